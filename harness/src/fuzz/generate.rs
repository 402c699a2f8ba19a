//! Random modules shaped as WASI commands, reactors, both or neither. The shape fixes the
//! imports a body may call and the exports a host sees; wasm-smith writes everything else —
//! bodies, globals, data, tables and, at random, a start section.

use arbitrary::Unstructured;
use wasm_smith::{Config, Module};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `_start` and `memory`.
    Command,
    /// `_initialize` and `memory`.
    Reactor,
    /// `memory` and exports, no entry point.
    Library,
    /// `_start` and `_initialize`: an error by the ABI.
    Both,
    /// No WASI imports and no `memory` export.
    NotWasi,
}

impl Shape {
    const ALL: [Shape; 5] = [Shape::Command, Shape::Reactor, Shape::Library, Shape::Both, Shape::NotWasi];

    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Command => "command",
            Shape::Reactor => "reactor",
            Shape::Library => "library",
            Shape::Both => "both",
            Shape::NotWasi => "not-wasi",
        }
    }
}

/// What was asked of wasm-smith for one module.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub shape: Shape,
    /// A WASI module without its `memory` export, which the ABI requires.
    pub memory_exported: bool,
    /// `_start` declared `(result i32)` instead of `()`.
    pub wrong_signature: bool,
    /// Every loop and call spends fuel and traps (`unreachable`) when it runs out; the others
    /// may loop until the deadline.
    pub fuel: Option<u32>,
}

/// The WASI functions bodies may call: enough to exit with any code and write output.
const WASI_IMPORTS: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))"#;

/// Fuel of a guarded module: enough for real work, little enough to end well inside a deadline.
const FUEL: u32 = 5_000;

/// One in this many modules runs without fuel, to keep endless loops in the mix without
/// spending most of a run waiting for deadlines.
const UNGUARDED_ONE_IN: u32 = 50;

impl Recipe {
    pub fn choose(u: &mut Unstructured<'_>) -> arbitrary::Result<Recipe> {
        let shape = Shape::ALL[u.choose_index(Shape::ALL.len())?];
        let wasi = shape != Shape::NotWasi;
        Ok(Recipe {
            shape,
            memory_exported: wasi && u.ratio(9, 10)?,
            wrong_signature: matches!(shape, Shape::Command | Shape::Both) && u.ratio(1, 20)?,
            fuel: (!u.ratio(1, UNGUARDED_ONE_IN)?).then_some(FUEL),
        })
    }

    /// The exports wasm-smith must give the module, as a module of the same exports.
    fn exports(&self) -> String {
        let start = if self.wrong_signature {
            r#"(func (export "_start") (result i32) i32.const 0)"#
        } else {
            r#"(func (export "_start"))"#
        };
        let mut items = Vec::new();
        if self.memory_exported {
            items.push(r#"(memory (export "memory") 1)"#);
        }
        match self.shape {
            Shape::Command => items.push(start),
            Shape::Reactor => items.push(r#"(func (export "_initialize"))"#),
            Shape::Both => items.extend([start, r#"(func (export "_initialize"))"#]),
            Shape::Library | Shape::NotWasi => {}
        }
        // What a host calls on a reactor, or after a command's `_start`.
        items.extend([r#"(func (export "get") (result i32) i32.const 0)"#, r#"(func (export "bump"))"#]);
        format!("(module {})", items.join(" "))
    }

    fn config(&self) -> Config {
        let mut config = Config {
            available_imports: (self.shape != Shape::NotWasi).then(|| wat::parse_str(WASI_IMPORTS).expect("valid WAT")),
            exports: Some(wat::parse_str(self.exports()).expect("valid WAT")),
            ..Config::default()
        };
        if self.shape == Shape::NotWasi {
            config.max_imports = 0;
        }
        config.max_funcs = 6;
        config.max_instructions = 40;
        config.max_nesting_depth = 5;
        config.max_globals = 6;
        config.max_types = 10;
        config.max_data_segments = 4;
        config.max_element_segments = 4;
        config.max_elements = 16;
        config.max_table_elements = 64;
        // The `memory` export brings its memory; one more would be multi-memory, which half the
        // runtimes here refuse.
        config.max_memories = if self.memory_exported { 0 } else { 1 };
        config.max_tables = 1;
        // 16 pages to start with; `memory.grow` past the trial's memory cap is the cap's to refuse.
        config.max_memory32_bytes = 16 * 65536;
        // Proposals some runtimes here do not implement would make every disagreement a
        // feature gap; MVP with the post-MVP features all of them have.
        config.memory64_enabled = false;
        config.simd_enabled = false;
        config.relaxed_simd_enabled = false;
        config.threads_enabled = false;
        config.gc_enabled = false;
        config.exceptions_enabled = false;
        config.tail_call_enabled = false;
        config.reference_types_enabled = false;
        config.extended_const_enabled = false;
        // NaN payloads differ between engines without any runtime being wrong.
        config.canonicalize_nans = true;
        config.allow_start_export = true;
        config
    }
}

/// A module and how it was asked for; `Err` when the entropy ran out before a module was made.
pub fn module(entropy: &[u8]) -> arbitrary::Result<(Recipe, Vec<u8>)> {
    let mut u = Unstructured::new(entropy);
    let recipe = Recipe::choose(&mut u)?;
    let mut module = Module::new(recipe.config(), &mut u)?;
    if let Some(fuel) = recipe.fuel {
        module.ensure_termination(fuel).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    }
    Ok((recipe, module.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::classify::{inspect, ModuleKind};

    #[test]
    fn modules_are_valid_and_have_the_shape_asked_for() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut shapes = std::collections::BTreeMap::new();
        for _ in 0..200 {
            let entropy: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(4096).collect();
            let (recipe, bytes) = module(&entropy).expect("4 KiB is enough entropy");
            let inspection =
                inspect(&bytes).unwrap_or_else(|err| panic!("{recipe:?}: invalid at {}: {}", err.offset, err.message));
            let kind = inspection.classification.kind;
            let expected: &[ModuleKind] = match recipe.shape {
                Shape::Command => &[ModuleKind::Command],
                Shape::Reactor => &[ModuleKind::Reactor],
                // Without an entry point, only a WASI import (which wasm-smith may not use) makes
                // it a reactor.
                Shape::Library => &[ModuleKind::Reactor, ModuleKind::NotWasi],
                Shape::Both => &[ModuleKind::Both],
                Shape::NotWasi => &[ModuleKind::NotWasi],
            };
            assert!(expected.contains(&kind), "{recipe:?} classified {kind:?}");
            assert_eq!(inspection.classification.memory, recipe.memory_exported, "{recipe:?}");
            *shapes.entry(recipe.shape.as_str()).or_insert(0) += 1;
        }
        assert_eq!(shapes.len(), Shape::ALL.len(), "{shapes:?}");
    }
}
