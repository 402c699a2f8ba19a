//! Cache keys: one BLAKE3 digest over everything that decides the compiled code.

use std::fmt;
use std::hash::{Hash, Hasher};

/// The name of one cache entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({self})")
    }
}

/// Collects labelled parts; each is length-prefixed, so no two different part lists collide by
/// concatenation (`"ab" + "c"` vs `"a" + "bc"`).
pub struct KeyBuilder(blake3::Hasher);

impl Default for KeyBuilder {
    fn default() -> Self {
        KeyBuilder::new()
    }
}

impl KeyBuilder {
    pub fn new() -> Self {
        KeyBuilder(blake3::Hasher::new())
    }

    pub fn bytes(mut self, label: &str, bytes: &[u8]) -> Self {
        self.part(label.as_bytes());
        self.part(bytes);
        self
    }

    pub fn text(self, label: &str, text: &str) -> Self {
        self.bytes(label, text.as_bytes())
    }

    /// A value the runtime offers only as `impl Hash` (wasmtime's engine compatibility hash).
    /// `Hash` feeds integers in native byte order: fine for a cache that never leaves the machine.
    pub fn hashed(self, label: &str, value: impl Hash) -> Self {
        let mut sink = Blake3Sink(blake3::Hasher::new());
        value.hash(&mut sink);
        self.bytes(label, sink.0.finalize().as_bytes())
    }

    pub fn finish(self) -> Key {
        Key(*self.0.finalize().as_bytes())
    }

    fn part(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }
}

struct Blake3Sink(blake3::Hasher);

impl Hasher for Blake3Sink {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the BLAKE3 digest is read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_not_ambiguous_under_concatenation() {
        let ab_c = KeyBuilder::new().text("x", "ab").text("y", "c").finish();
        let a_bc = KeyBuilder::new().text("x", "a").text("y", "bc").finish();
        assert_ne!(ab_c, a_bc);
    }

    #[test]
    fn equal_parts_give_equal_keys_and_any_change_a_different_one() {
        let key = |wasm: &[u8], budget: u64| KeyBuilder::new().bytes("wasm", wasm).hashed("budget", budget).finish();
        assert_eq!(key(b"\0asm", 5), key(b"\0asm", 5));
        assert_ne!(key(b"\0asm", 5), key(b"\0asm", 6));
        assert_ne!(key(b"\0asm", 5), key(b"\0asn", 5));
    }

    #[test]
    fn displays_as_64_hex_digits() {
        let shown = KeyBuilder::new().finish().to_string();
        assert_eq!(shown.len(), 64);
        assert!(shown.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
