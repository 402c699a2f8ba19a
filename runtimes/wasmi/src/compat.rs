//! The few wasmi calls whose spelling differs between the majors this source builds against
//! (runtimes/wasmi-1 has its own copy of this file for wasmi 1.x).

use wasmi::errors::InstantiationError;

/// An import whose definition has the wrong type (the linker resolves by name only).
pub fn is_import_mismatch(error: &InstantiationError) -> bool {
    matches!(
        error,
        InstantiationError::ImportTypeMismatch { .. }
            | InstantiationError::FuncTypeMismatch { .. }
            | InstantiationError::GlobalTypeMismatch { .. }
            | InstantiationError::TableTypeMismatch { .. }
            | InstantiationError::MemoryTypeMismatch { .. }
    )
}
