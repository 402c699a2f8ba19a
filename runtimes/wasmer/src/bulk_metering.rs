//! A metering charge that grows with the length of a bulk memory or table operation.
//!
//! wasmer's `Metering` prices an operator by its opcode alone, so one `memory.fill` of 64 KiB
//! cost a point as a `br` does: a guest looping over it held a 200 ms step for 30 s. This
//! middleware runs after `Metering` and, before each `memory.fill`/`copy`/`init` and
//! `table.fill`/`copy`/`init`, charges the operation's length — capped at the size of the
//! memory or table it writes, since a longer one traps out of bounds without doing the work — to
//! the same remaining-points global, failing the same way when it runs out.

use std::sync::Mutex;

use wasmer::sys::wasmparser::{BlockType, Operator};
use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::{ExportIndex, GlobalInit, GlobalType, LocalFunctionIndex, Mutability, Type};
use wasmer_types::{GlobalIndex, ModuleInfo};

/// Bytes a point buys, as a shift: 32. Measured here against a `loop br 0` iteration, a
/// `memory.fill` writes 64–100 bytes in the cache and 10–20 outside it; 32 ends a fill-bound
/// step at most ~3× early in the cache and ~2× late outside it.
const BYTES_PER_POINT_SHIFT: i64 = 5;
/// Points a table element costs: a reference written with its checks, about four branches.
const POINTS_PER_ELEMENT_SHIFT: i64 = 2;

/// Names the `Metering` middleware exports its globals under (wasmer-middlewares 7.4).
const REMAINING: &str = "wasmer_metering_remaining_points";
const EXHAUSTED: &str = "wasmer_metering_points_exhausted";

#[derive(Debug, Clone, Copy)]
struct Globals {
    remaining: u32,
    exhausted: u32,
    /// The operation's length, kept while its charge is computed.
    length: u32,
    /// The size of its target, then the charge.
    scratch: u32,
}

/// One per compiled module, pushed after `Metering`, like which it records the globals of the
/// one module it instruments.
#[derive(Debug, Default)]
pub struct BulkMetering {
    globals: Mutex<Option<Globals>>,
}

impl ModuleMiddleware for BulkMetering {
    fn generate_function_middleware<'a>(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let globals = self.globals.lock().unwrap().expect("transform_module_info runs before any function");
        Box::new(FunctionBulkMetering { globals })
    }

    fn transform_module_info(&self, module_info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let exported = |name: &str| match module_info.exports.get(name) {
            Some(ExportIndex::Global(index)) => Ok(index.as_u32()),
            _ => Err(MiddlewareError::new("BulkMetering", format!("no `{name}` global: push Metering first"))),
        };
        let (remaining, exhausted) = (exported(REMAINING)?, exported(EXHAUSTED)?);
        let mut scratch_global = || -> u32 {
            let index: GlobalIndex = module_info.globals.push(GlobalType::new(Type::I64, Mutability::Var));
            module_info.global_initializers.push(GlobalInit::I64Const(0));
            index.as_u32()
        };
        let (length, scratch) = (scratch_global(), scratch_global());
        *self.globals.lock().unwrap() = Some(Globals { remaining, exhausted, length, scratch });
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionBulkMetering {
    globals: Globals,
}

/// What a bulk operation writes into, and so what caps its length.
enum Target {
    Memory(u32),
    Table(u32),
}

fn bulk_target(operator: &Operator) -> Option<Target> {
    match *operator {
        Operator::MemoryFill { mem } | Operator::MemoryInit { mem, .. } => Some(Target::Memory(mem)),
        Operator::MemoryCopy { dst_mem, .. } => Some(Target::Memory(dst_mem)),
        Operator::TableFill { table } | Operator::TableInit { table, .. } => Some(Target::Table(table)),
        Operator::TableCopy { dst_table, .. } => Some(Target::Table(dst_table)),
        _ => None,
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionBulkMetering {
    fn feed(&mut self, operator: Operator<'a>, state: &mut MiddlewareReaderState<'a>) -> Result<(), MiddlewareError> {
        if let Some(target) = bulk_target(&operator) {
            state.extend(&self.charge(target));
        }
        state.push_operator(operator);
        Ok(())
    }
}

impl FunctionBulkMetering {
    /// With the operation's i32 length on top of the stack: charge `min(length, size) scaled`,
    /// trap as `Metering` does when the points run out, and leave the length where it was.
    fn charge(&self, target: Target) -> Vec<Operator<'static>> {
        let Globals { remaining, exhausted, length, scratch } = self.globals;
        let mut ops = vec![Operator::I64ExtendI32U, Operator::GlobalSet { global_index: length }];
        match target {
            Target::Memory(mem) => ops.extend([
                Operator::MemorySize { mem },
                Operator::I64ExtendI32U,
                Operator::I64Const { value: 16 },
                Operator::I64Shl,
            ]),
            Target::Table(table) => ops.extend([Operator::TableSize { table }, Operator::I64ExtendI32U]),
        }
        ops.extend([
            Operator::GlobalSet { global_index: scratch },
            // min(length, size)
            Operator::GlobalGet { global_index: length },
            Operator::GlobalGet { global_index: scratch },
            Operator::GlobalGet { global_index: length },
            Operator::GlobalGet { global_index: scratch },
            Operator::I64LtU,
            Operator::Select,
        ]);
        ops.extend(match target {
            Target::Memory(_) => [Operator::I64Const { value: BYTES_PER_POINT_SHIFT }, Operator::I64ShrU],
            Target::Table(_) => [Operator::I64Const { value: POINTS_PER_ELEMENT_SHIFT }, Operator::I64Shl],
        });
        ops.extend([
            Operator::GlobalSet { global_index: scratch },
            Operator::GlobalGet { global_index: remaining },
            Operator::GlobalGet { global_index: scratch },
            Operator::I64LtU,
            Operator::If { blockty: BlockType::Empty },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet { global_index: exhausted },
            Operator::Unreachable,
            Operator::End,
            Operator::GlobalGet { global_index: remaining },
            Operator::GlobalGet { global_index: scratch },
            Operator::I64Sub,
            Operator::GlobalSet { global_index: remaining },
            Operator::GlobalGet { global_index: length },
            Operator::I32WrapI64,
        ]);
        ops
    }
}

#[cfg(test)]
mod tests {
    use wasmer::{imports, Instance, Module, Store, Value};
    use wasmer_middlewares::metering::{get_remaining_points, MeteringPoints};

    use crate::budget::{exhausted, metered_engine};

    const BUDGET: u64 = 1_000_000;

    /// Points left after `fill(length)` (a memory.fill of one 64 KiB page), or None if it trapped;
    /// and whether the points ran out.
    fn fill(length: i32) -> (Option<u64>, bool) {
        let mut store = Store::new(metered_engine(BUDGET));
        let wat = r#"(module (memory 1)
            (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0))))"#;
        let module = Module::new(&store, wat::parse_str(wat).unwrap()).unwrap();
        let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
        let function = instance.exports.get_function("fill").unwrap().clone();
        let returned = function.call(&mut store, &[Value::I32(length)]).is_ok();
        let left = match get_remaining_points(&mut store, &instance) {
            MeteringPoints::Remaining(points) if returned => Some(points),
            _ => None,
        };
        (left, exhausted(&mut store, &instance))
    }

    #[test]
    fn a_fill_costs_more_the_longer_it_is() {
        let (short, _) = fill(32);
        let (page, _) = fill(65536);
        let (short, page) = (short.unwrap(), page.unwrap());
        assert_eq!(short - page, (65536 - 32) >> super::BYTES_PER_POINT_SHIFT);
    }

    #[test]
    fn a_length_past_the_memory_traps_out_of_bounds_charged_only_for_the_memory() {
        // 1 GiB into a 64 KiB memory: wasm traps before writing a byte, and the charge, capped
        // at the memory's size, leaves the points far from running out.
        assert_eq!(fill(1 << 30), (None, false));
    }

    #[test]
    fn a_fill_longer_than_the_points_left_runs_them_out() {
        let mut store = Store::new(metered_engine(1000));
        let wat = r#"(module (memory 1)
            (func (export "fill") (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536))))"#;
        let module = Module::new(&store, wat::parse_str(wat).unwrap()).unwrap();
        let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
        let function = instance.exports.get_function("fill").unwrap().clone();
        assert!(function.call(&mut store, &[]).is_err());
        assert!(exhausted(&mut store, &instance));
    }

    #[test]
    fn table_operations_are_charged_per_element() {
        let mut store = Store::new(metered_engine(BUDGET));
        let wat = r#"(module (table 100 funcref)
            (func (export "fill") (param i32) (table.fill 0 (i32.const 0) (ref.null func) (local.get 0))))"#;
        let module = Module::new(&store, wat::parse_str(wat).unwrap()).unwrap();
        let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
        let function = instance.exports.get_function("fill").unwrap().clone();
        let mut left = |length| {
            function.call(&mut store, &[Value::I32(length)]).unwrap();
            let MeteringPoints::Remaining(points) = get_remaining_points(&mut store, &instance) else {
                panic!("ran out")
            };
            points
        };
        let (start, after_empty, after_hundred) = (BUDGET, left(0), left(100));
        let fixed = start - after_empty;
        assert_eq!(after_empty - after_hundred - fixed, 100 << super::POINTS_PER_ELEMENT_SHIFT);
    }
}
