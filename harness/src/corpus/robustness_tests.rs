//! `classify::inspect` on any bytes: a reading or an error with an offset inside the input, never
//! a panic. Small corpus modules are mutated from a fixed seed (`crate::testing::Mutator`).

use crate::corpus::classify::inspect;
use crate::testing::{no_panic, Mutator};

const SEED: u64 = 0x7761_736d;

#[test]
fn mutated_modules_are_read_or_refused_at_an_offset_never_panic() {
    let corpus = crate::corpus::default_root().join("corpus");
    let mut modules = Vec::new();
    for language in std::fs::read_dir(&corpus).unwrap() {
        let dir = language.unwrap().path();
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            // The Rust and Go modules are megabytes of debug info: the small ones cover every
            // section kind the corpus has, in a fraction of the time.
            if path.extension().is_some_and(|ext| ext == "wasm") && std::fs::metadata(&path).unwrap().len() < 64 * 1024 {
                modules.push((path.strip_prefix(&corpus).unwrap().display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
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
                assert!(err.offset <= bytes.len(), "offset {} past the end ({} bytes): {}", err.offset, bytes.len(), err.message);
                refused += 1;
            }
        });
        failures.extend(result.err());
    }
    assert!(failures.is_empty(), "{}:\n{}", failures.len(), failures.join("\n\n"));
    assert!(refused > 1000, "only {refused} mutations were refused: the mutator is too gentle");
}
