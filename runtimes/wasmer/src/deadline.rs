//! The per-step deadline, enforced with wasmer's metering middleware.
//!
//! wasmer 7.4 has no stable wall-clock interruption (`Store::interrupter` sits behind the
//! `experimental-host-interrupt` feature and a SIGUSR1 handler), so the deadline is a budget of
//! metering points: every operator costs one point, and the budget is the deadline times the
//! rate at which a `loop br 0` spends points on this machine. Operators that call into the
//! runtime cost more (`cost`), bulk operations more with their length (`bulk_metering`). Time
//! spent inside host calls is not counted.
//!
//! The rate is measured once per process, because it differs between machines far more than a
//! deadline can absorb (4.3e9 points/s on one 2-core machine of this project, 1.2e9 on another),
//! and rounded to a power of two so that the budgets, which are part of the compiled-module cache
//! key, come out the same in every process on one machine; with a cache, the first process's
//! rate is kept as an entry of the cache and reused (`settle_rate_in`).
//!
//! The middleware marks exhaustion in a global and then executes `unreachable`; the trap is told
//! apart from a guest `unreachable` by that global, or, when wasmer did not hand back the
//! instance, by the opcode at the trapping offset.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use execmodel_cache::{Key, KeyBuilder, ModuleCache};

use crate::bulk_metering::BulkMetering;

use wasmer::sys::wasmparser::Operator;
use wasmer::sys::{CompilerConfig, Cranelift};
use wasmer::{imports, AsStoreMut, Engine, Instance, Module, RuntimeError, Store};
use wasmer_middlewares::metering::{self, MeteringPoints};
use wasmer_middlewares::Metering;

/// The rate assumed if measuring it fails (it cannot, short of a broken engine).
const FALLBACK_POINTS_PER_SECOND: f64 = 2.0e9;

/// The metering budget for one step under `deadline`. Slower operators than `br` make a step end
/// before its deadline; host calls make it end later.
pub fn budget(deadline: Duration) -> u64 {
    ((deadline.as_secs_f64() * points_per_second()) as u64).max(1)
}

static RATE: OnceLock<f64> = OnceLock::new();

/// Metering points a `loop br 0` spends per second here, to the nearest power of two.
pub fn points_per_second() -> f64 {
    *RATE.get_or_init(measured_rate)
}

fn measured_rate() -> f64 {
    measure_points_per_second().unwrap_or(FALLBACK_POINTS_PER_SECOND).log2().round().exp2()
}

/// Settles the rate once per compiled-module cache: the first process measures it and stores it
/// as an entry of `cache`, later ones read it. Otherwise a machine whose measurements straddle a
/// power of two (this one's do) would flip between two budgets, and so between two sets of cache
/// keys, from one process to the next. Call before the first `budget`.
pub fn settle_rate_in(cache: &ModuleCache) {
    let key = rate_key();
    let stored = cache
        .load(&key)
        .and_then(|bytes| Some(f64::from_le_bytes(bytes.try_into().ok()?)))
        .filter(|rate| rate.is_finite() && *rate >= 1.0 && rate.log2().fract() == 0.0);
    let rate = *RATE.get_or_init(|| stored.unwrap_or_else(measured_rate));
    if stored.is_none() {
        cache.store(&key, &rate.to_le_bytes());
    }
}

/// Where a cache keeps the rate: not a module, so a key no module's can equal.
fn rate_key() -> Key {
    KeyBuilder::new().text("entry", "wasmer metering points per second").finish()
}

/// `(module (func (export "spin") (loop (br 0))))`.
const SPIN: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
    0x03, 0x02, 0x01, 0x00, // func 0: type 0
    0x07, 0x08, 0x01, 0x04, b's', b'p', b'i', b'n', 0x00, 0x00, // export "spin" = func 0
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0 end end
];

/// The fastest of three short runs (about 10 ms each) of `SPIN` until its points run out: the
/// fastest is the one least disturbed by whatever else the machine is doing.
fn measure_points_per_second() -> Option<f64> {
    const POINTS: u64 = 1 << 24;
    let mut store = Store::new(metered_engine(POINTS));
    let module = Module::new(&store, SPIN).ok()?;
    let instance = Instance::new(&mut store, &module, &imports! {}).ok()?;
    let spin = instance.exports.get_function("spin").ok()?.clone();
    let mut fastest: f64 = 0.0;
    for _ in 0..3 {
        refill(&mut store, &instance, POINTS);
        let began = Instant::now();
        let ended = spin.call(&mut store, &[]);
        if ended.is_ok() || !exhausted(&mut store, &instance) {
            return None;
        }
        fastest = fastest.max(POINTS as f64 / began.elapsed().as_secs_f64());
    }
    Some(fastest)
}

/// What `cost` and `BulkMetering` charge, for the module cache key: change it whenever either
/// changes, or modules compiled under the old prices would be loaded.
pub const METERING_SCHEME: &str = "wasmer-middlewares metering; runtime calls priced 16/32/64; bulk length by BulkMetering, 32 bytes a point";

/// Points per operator, in `loop br 0` iterations. An operator wasmer carries out by calling
/// into the runtime costs more than a branch; priced at one point, a loop over `data.drop` held
/// a 200 ms step for 3–4 s. Measured here, a `loop` over each against one over `nop`
/// (`execmodel probe LOOP.wasm --runtime wasmer --deadline 200`, 2 cores): the drops, the grows,
/// `memory.copy` and `memory.init` 20–37 branches; `memory.fill` from next to nothing (a short
/// constant length is inlined) to ~150 (a zero length takes a slow path), priced between;
/// `memory.size` and the table accessors 6–16.
fn cost(operator: &Operator) -> u64 {
    match operator {
        Operator::MemoryFill { .. } => 64,
        Operator::MemoryCopy { .. }
        | Operator::DataDrop { .. }
        | Operator::ElemDrop { .. }
        | Operator::MemoryGrow { .. }
        | Operator::MemoryInit { .. }
        | Operator::TableGrow { .. }
        | Operator::TableFill { .. }
        | Operator::TableCopy { .. }
        | Operator::TableInit { .. } => 32,
        Operator::MemorySize { .. } | Operator::TableGet { .. } | Operator::TableSet { .. } | Operator::TableSize { .. } => 16,
        _ => 1,
    }
}

/// A fresh engine whose modules start with `budget` points. A `Metering` middleware records the
/// globals of the one module it instruments, so every compile needs its own engine.
pub fn metered_engine(budget: u64) -> Engine {
    let mut compiler = Cranelift::new();
    compiler.push_middleware(Arc::new(Metering::new(budget, cost)));
    compiler.push_middleware(Arc::new(BulkMetering::default()));
    Engine::from(compiler)
}

/// Give the instance a full budget before a step runs guest code.
pub fn refill(store: &mut impl AsStoreMut, instance: &Instance, budget: u64) {
    metering::set_remaining_points(store, instance, budget);
}

pub fn exhausted(store: &mut impl AsStoreMut, instance: &Instance) -> bool {
    matches!(metering::get_remaining_points(store, instance), MeteringPoints::Exhausted)
}

/// Without the instance: a guest `unreachable` traps on its own opcode (0x00); the middleware's
/// injected one is attributed to the branch or call it guards.
pub fn trapped_on_injected_unreachable(error: &RuntimeError, wasm: &[u8]) -> bool {
    match error.trace().first() {
        Some(frame) => wasm.get(frame.module_offset()).is_some_and(|&opcode| opcode != 0x00),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spin_module_is_what_its_comment_says() {
        assert_eq!(SPIN, wat::parse_str(r#"(module (func (export "spin") (loop (br 0))))"#).unwrap());
    }

    #[test]
    fn a_cache_keeps_the_rate_of_its_first_process() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(dir.path(), "wasmer-test");
        settle_rate_in(&cache);
        let written = cache.load(&rate_key()).unwrap();
        assert_eq!(f64::from_le_bytes(written.clone().try_into().unwrap()), points_per_second());
        cache.store(&rate_key(), b"not a rate");
        settle_rate_in(&cache);
        assert_eq!(cache.load(&rate_key()).unwrap(), written, "a damaged entry is replaced");
    }

    #[test]
    fn the_rate_is_measured_once_and_is_a_power_of_two() {
        let rate = points_per_second();
        assert_eq!(rate, points_per_second());
        assert_eq!(rate.log2().fract(), 0.0, "{rate}");
        assert!((1e7..1e12).contains(&rate), "{rate}");
    }
}
