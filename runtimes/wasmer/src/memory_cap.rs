//! A memory cap through engine tunables: every memory the engine creates gets its maximum
//! lowered to the cap, so `memory.grow` past it returns -1 and an initial size above it fails
//! instantiation.

use std::ptr::NonNull;

use wasmer::sys::vm::{MemoryError, MemoryStyle, TableStyle, VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{BaseTunables, NativeEngineExt, Tunables};
use wasmer::{Engine, MemoryType, Pages, TableType, WASM_PAGE_SIZE};

/// Memory styles and everything but the memory maximum come from `BaseTunables`, which the
/// module was compiled with; only the limit differs.
struct MemoryCap {
    base: BaseTunables,
    max_pages: Pages,
}

impl MemoryCap {
    fn capped(&self, ty: &MemoryType) -> Result<MemoryType, MemoryError> {
        if ty.minimum > self.max_pages {
            return Err(MemoryError::MinimumMemoryTooLarge { min_requested: ty.minimum, max_allowed: self.max_pages });
        }
        let mut capped = *ty;
        capped.maximum = Some(match ty.maximum {
            Some(declared) if declared < self.max_pages => declared,
            _ => self.max_pages,
        });
        Ok(capped)
    }
}

impl Tunables for MemoryCap {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> Result<VMMemory, MemoryError> {
        self.base.create_host_memory(&self.capped(ty)?, style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: forwarded unchanged from the caller, which upholds `create_vm_memory`'s contract.
        unsafe { self.base.create_vm_memory(&self.capped(ty)?, style, vm_definition_location) }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: forwarded unchanged from the caller, which upholds `create_vm_table`'s contract.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }
}

/// A clone of `engine` (sharing its compiled code) whose stores cap memories at `memory_bytes`.
pub fn with_memory_cap(engine: &Engine, memory_bytes: usize) -> Engine {
    let pages = (memory_bytes / WASM_PAGE_SIZE).min(Pages::max_value().0 as usize) as u32;
    let mut capped = engine.clone();
    capped.set_tunables(MemoryCap { base: BaseTunables::new(), max_pages: Pages(pages) });
    capped
}
