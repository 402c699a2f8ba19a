//! The two trivial modules `bench lifecycle` measures. Each imports one WASI function, so that
//! instantiation really resolves a WASI import, exports `memory` (WASI requires it), and follows
//! the application ABI: the command exports `_start`, the reactor `_initialize`; both export
//! `bump`, which adds one to a global and returns it.

const COMMAND: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (func (export "_start"))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count)))"#;

const REACTOR: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 1))
  (func (export "_initialize") (global.set $count (i32.const 0)))
  (func (export "bump") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count)))"#;

/// The fixtures as binary modules.
pub struct Fixtures {
    pub command: Vec<u8>,
    pub reactor: Vec<u8>,
}

impl Fixtures {
    pub fn build() -> Fixtures {
        Fixtures { command: assemble(COMMAND), reactor: assemble(REACTOR) }
    }
}

fn assemble(text: &str) -> Vec<u8> {
    // The text is a constant of this file; the unit test below proves it assembles.
    wat::parse_str(text).unwrap_or_else(|err| panic!("bench fixture does not assemble: {err}"))
}

#[cfg(test)]
mod tests {
    use crate::corpus::classify::{inspect, ModuleKind};

    #[test]
    fn fixtures_are_a_wasi_command_and_a_wasi_reactor() {
        let fixtures = super::Fixtures::build();
        let command = inspect(&fixtures.command).expect("command inspects");
        let reactor = inspect(&fixtures.reactor).expect("reactor inspects");
        assert_eq!(command.classification.kind, ModuleKind::Command);
        assert_eq!(reactor.classification.kind, ModuleKind::Reactor);
        assert!(reactor.classification.initialize);
        assert!(command.classification.memory && reactor.classification.memory);
        assert!(
            command.warnings.is_empty() && reactor.warnings.is_empty(),
            "{:?} {:?}",
            command.warnings,
            reactor.warnings
        );
    }
}
