//! Compiles `bench lifecycle`'s command fixture N times on one runtime, with the compiled-module
//! cache off, as the bench does: a loop simple enough to profile.
//!
//! `cargo build --release -p harness --example compile_loop`, then e.g.
//! `perf record -e cpu-clock --call-graph dwarf target/release/examples/compile_loop wasmtime 3000`
//! or `valgrind --tool=callgrind target/release/examples/compile_loop wasmer 200`.

fn main() {
    // Before any runtime is made: the registry reads it when it builds wasmtime and wasmer.
    std::env::set_var("EXECMODEL_CACHE", "off");
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(count)) = (args.next(), args.next().and_then(|n| n.parse::<u32>().ok())) else {
        eprintln!("usage: compile_loop RUNTIME COUNT");
        std::process::exit(2);
    };
    let Some(entry) = harness::corpus::registry::find(&name) else {
        eprintln!("unknown runtime `{name}`; known: {}", harness::corpus::registry::known_names().join(", "));
        std::process::exit(2);
    };
    let runtime = (entry.make)();
    let wasm = harness::bench::lifecycle::Fixtures::build().command;
    let started = std::time::Instant::now();
    for _ in 0..count {
        drop(runtime.compile(&wasm).expect("the fixture compiles"));
    }
    eprintln!("{name}: {count} compiles, {:?} each", started.elapsed() / count.max(1));
}
