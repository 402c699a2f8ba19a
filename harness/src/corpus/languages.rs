//! The corpus languages: `corpus/<language>/<module>.wasm`.

/// In the order the views show them as columns.
pub const LANGUAGES: [&str; 8] = ["rust", "c", "cpp", "emscripten", "zig", "go", "assemblyscript", "wat"];

/// The language of a module id `<language>/<module>`.
pub fn language_of(module_id: &str) -> &str {
    module_id.split('/').next().unwrap_or_default()
}
