//! `classify::inspect` on any bytes: a reading or an error with an offset inside the input, never
//! a panic. Small corpus modules are mutated from a fixed seed (`crate::testing::Mutator`).

use crate::corpus::classify::inspect;
use crate::corpus::files_with_extension;
use crate::testing::{no_panic, Mutator};

const SEED: u64 = 0x7761_736d;

#[test]
fn mutated_modules_are_read_or_refused_at_an_offset_never_panic() {
    let corpus = crate::corpus::default_root().join("corpus");
    // The Rust and Go modules are megabytes of debug info: the small ones cover every section
    // kind the corpus has, in a fraction of the time.
    let mut modules: Vec<(String, Vec<u8>)> = files_with_extension(&corpus, "wasm")
        .unwrap()
        .into_iter()
        .filter(|(_, path)| std::fs::metadata(path).unwrap().len() < 64 * 1024)
        .map(|(id, path)| (id, std::fs::read(path).unwrap()))
        .collect();
    modules.sort();
    assert!(modules.len() > 30, "only {} small modules", modules.len());
    let mut mutator = Mutator::new(SEED);
    let mut failures = Vec::new();
    let mut refused = 0;
    for iteration in 0..10_000 {
        let (name, bytes) = &modules[iteration % modules.len()];
        let mutated = mutator.bytes(bytes);
        let result = no_panic(name, SEED, iteration, mutated.as_slice(), |bytes| {
            if let Err(err) = inspect(bytes) {
                assert!(
                    err.offset <= bytes.len(),
                    "offset {} past the end ({} bytes): {}",
                    err.offset,
                    bytes.len(),
                    err.message
                );
                refused += 1;
            }
        });
        failures.extend(result.err());
    }
    assert!(failures.is_empty(), "{}:\n{}", failures.len(), failures.join("\n\n"));
    assert!(refused > 1000, "only {refused} mutations were refused: the mutator is too gentle");
}
