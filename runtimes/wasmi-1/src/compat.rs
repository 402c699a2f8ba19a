//! The few wasmi calls whose spelling differs between the majors this source builds against
//! (this is wasmi 1.x's; runtimes/wasmi/src/compat.rs is 2.0's).

use wasmi::errors::InstantiationError;

/// An import whose definition has the wrong type (the linker resolves by name only).
pub fn is_import_mismatch(error: &InstantiationError) -> bool {
    matches!(
        error,
        InstantiationError::ImportsExternalsMismatch { .. }
            | InstantiationError::FuncTypeMismatch { .. }
            | InstantiationError::GlobalTypeMismatch { .. }
            | InstantiationError::TableTypeMismatch { .. }
            | InstantiationError::MemoryTypeMismatch { .. }
    )
}
