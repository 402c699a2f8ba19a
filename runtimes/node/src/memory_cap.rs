//! Bounding linear memory by rewriting the module.
//!
//! V8 offers no per-instance limit on a memory the module defines itself (`--max-old-space-size`
//! covers the JS heap only, and `WebAssembly.Memory`'s `maximum` applies to memories created in
//! JS). So the adapter lowers the declared maximum of each defined memory to the cap before
//! compiling: `memory.grow` past it then returns -1, exactly as for a module that declared the
//! smaller maximum. A module whose *initial* size exceeds the cap is refused before instantiation.

/// One wasm page.
pub const PAGE_BYTES: usize = 1 << 16;
/// The most pages a 32-bit memory may declare; V8 refuses larger maxima at validation.
const MAX_PAGES_32: u64 = 1 << 16;

const MEMORY_SECTION: u8 = 5;
const HAS_MAX: u8 = 0x01;
/// Flags this rewrite understands: has-maximum and shared. memory64 and custom page sizes are
/// left alone (node 20 rejects them anyway).
const KNOWN_FLAGS: u8 = 0x03;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capped {
    /// Nothing to lower: no defined memory, or its maximum is already within the cap.
    Unchanged,
    /// The module with lowered maxima.
    Rewritten(Vec<u8>),
    /// A defined memory starts larger than the cap.
    InitialTooLarge { initial_pages: u64, cap_pages: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed module at byte {offset}: {what}")]
pub struct Malformed {
    pub offset: usize,
    pub what: &'static str,
}

pub fn cap_pages(memory_bytes: usize) -> u64 {
    ((memory_bytes / PAGE_BYTES) as u64).min(MAX_PAGES_32)
}

/// Lower every defined memory's maximum to `cap_pages`.
pub fn cap_memory(wasm: &[u8], cap_pages: u64) -> Result<Capped, Malformed> {
    let mut reader = Reader { bytes: wasm, at: 8 };
    if wasm.len() < 8 {
        return Err(Malformed { offset: 0, what: "shorter than the module header" });
    }
    while !reader.done() {
        let section_start = reader.at;
        let id = reader.byte()?;
        let size = reader.leb_u32()? as usize;
        let contents_start = reader.at;
        let contents_end = contents_start
            .checked_add(size)
            .filter(|end| *end <= wasm.len())
            .ok_or(Malformed { offset: section_start, what: "section runs past the end" })?;
        if id == MEMORY_SECTION {
            let contents = &wasm[contents_start..contents_end];
            return Ok(match rewrite_memories(contents, contents_start, cap_pages)? {
                Rewrite::Same => Capped::Unchanged,
                Rewrite::TooLarge { initial_pages } => Capped::InitialTooLarge { initial_pages, cap_pages },
                Rewrite::New(new_contents) => {
                    let mut out = Vec::with_capacity(wasm.len() + 8);
                    out.extend_from_slice(&wasm[..section_start]);
                    out.push(MEMORY_SECTION);
                    write_leb(&mut out, new_contents.len() as u64);
                    out.extend_from_slice(&new_contents);
                    out.extend_from_slice(&wasm[contents_end..]);
                    Capped::Rewritten(out)
                }
            });
        }
        reader.at = contents_end;
    }
    Ok(Capped::Unchanged)
}

enum Rewrite {
    Same,
    New(Vec<u8>),
    TooLarge { initial_pages: u64 },
}

fn rewrite_memories(contents: &[u8], base: usize, cap: u64) -> Result<Rewrite, Malformed> {
    let mut reader = Reader { bytes: contents, at: 0 };
    let count = reader.leb_u32()?;
    let mut out = Vec::with_capacity(contents.len() + 8);
    write_leb(&mut out, u64::from(count));
    let mut changed = false;
    for _ in 0..count {
        let flags = reader.byte()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Ok(Rewrite::Same);
        }
        let initial = u64::from(reader.leb_u32()?);
        let maximum = if flags & HAS_MAX != 0 { Some(u64::from(reader.leb_u32()?)) } else { None };
        if initial > cap {
            return Ok(Rewrite::TooLarge { initial_pages: initial });
        }
        let new_maximum = maximum.map_or(cap, |max| max.min(cap));
        changed |= maximum != Some(new_maximum);
        out.push(flags | HAS_MAX);
        write_leb(&mut out, initial);
        write_leb(&mut out, new_maximum);
    }
    if !reader.done() {
        return Err(Malformed { offset: base + reader.at, what: "bytes after the last memory" });
    }
    Ok(if changed { Rewrite::New(out) } else { Rewrite::Same })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8, Malformed> {
        let byte = *self.bytes.get(self.at).ok_or(Malformed { offset: self.at, what: "unexpected end" })?;
        self.at += 1;
        Ok(byte)
    }

    fn leb_u32(&mut self) -> Result<u32, Malformed> {
        let start = self.at;
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(value).map_err(|_| Malformed { offset: start, what: "LEB128 exceeds u32" });
            }
        }
        Err(Malformed { offset: start, what: "LEB128 longer than 5 bytes" })
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_limits(wasm: &[u8]) -> Vec<(u64, Option<u64>)> {
        let mut limits = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::MemorySection(reader) = payload.unwrap() {
                for memory in reader {
                    let memory = memory.unwrap();
                    limits.push((memory.initial, memory.maximum));
                }
            }
        }
        limits
    }

    fn module(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).unwrap()
    }

    #[test]
    fn adds_a_maximum_to_an_unbounded_memory() {
        let wasm = module(r#"(module (memory (export "memory") 2) (func (export "f")))"#);
        let Capped::Rewritten(capped) = cap_memory(&wasm, 16).unwrap() else { panic!("not rewritten") };
        assert_eq!(memory_limits(&capped), vec![(2, Some(16))]);
        wasmparser::validate(&capped).unwrap();
    }

    #[test]
    fn lowers_a_larger_maximum_and_keeps_a_smaller_one() {
        let wasm = module(r#"(module (memory 1 100))"#);
        let Capped::Rewritten(capped) = cap_memory(&wasm, 16).unwrap() else { panic!("not rewritten") };
        assert_eq!(memory_limits(&capped), vec![(1, Some(16))]);
        let small = module(r#"(module (memory 1 4))"#);
        assert_eq!(cap_memory(&small, 16).unwrap(), Capped::Unchanged);
    }

    #[test]
    fn refuses_an_initial_size_over_the_cap() {
        let wasm = module(r#"(module (memory 20))"#);
        assert_eq!(cap_memory(&wasm, 16).unwrap(), Capped::InitialTooLarge { initial_pages: 20, cap_pages: 16 });
    }

    #[test]
    fn leaves_modules_without_a_defined_memory_alone() {
        let imported = module(r#"(module (import "env" "memory" (memory 1)))"#);
        assert_eq!(cap_memory(&imported, 16).unwrap(), Capped::Unchanged);
        assert_eq!(cap_memory(&module("(module)"), 0).unwrap(), Capped::Unchanged);
    }

    #[test]
    fn keeps_the_sections_after_the_memory() {
        let wasm = module(
            r#"(module (memory (export "memory") 1) (data (i32.const 0) "abc")
                 (func (export "f") (result i32) (i32.const 7)))"#,
        );
        let Capped::Rewritten(capped) = cap_memory(&wasm, 3).unwrap() else { panic!("not rewritten") };
        wasmparser::validate(&capped).unwrap();
        assert_eq!(capped.len(), wasm.len() + 1, "one byte for the added maximum");
    }

    #[test]
    fn caps_bytes_to_whole_pages_within_the_32_bit_limit() {
        assert_eq!(cap_pages(64 << 20), 1024);
        assert_eq!(cap_pages(PAGE_BYTES - 1), 0);
        assert_eq!(cap_pages(usize::MAX), 1 << 16);
    }

    #[test]
    fn reports_truncated_modules() {
        let wasm = module(r#"(module (memory 1))"#);
        assert!(cap_memory(&wasm[..wasm.len() - 1], 4).is_err());
    }
}
