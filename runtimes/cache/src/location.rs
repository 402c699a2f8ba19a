//! Where the cache lives: inside the cargo target directory of the binary using it, so
//! `cargo clean` clears it and only files this build's own processes wrote are ever loaded.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `EXECMODEL_CACHE=off` (or `0`, `false`) disables the cache.
pub const SWITCH_VAR: &str = "EXECMODEL_CACHE";
/// Overrides the cache root.
pub const DIR_VAR: &str = "EXECMODEL_CACHE_DIR";
/// The cache root's name inside the target directory.
pub const DIR_NAME: &str = "execmodel-cache";

/// The cache root for this process, from the environment and the running executable; `None` when
/// disabled or when the executable is not in a cargo target directory (e.g. installed elsewhere).
pub fn default_root() -> Option<PathBuf> {
    root_from(
        std::env::var_os(SWITCH_VAR),
        std::env::var_os(DIR_VAR),
        std::env::var_os("CARGO_TARGET_DIR"),
        std::env::current_exe().ok().as_deref(),
    )
}

fn root_from(
    switch: Option<OsString>,
    dir: Option<OsString>,
    cargo_target_dir: Option<OsString>,
    exe: Option<&Path>,
) -> Option<PathBuf> {
    if switch.is_some_and(|value| ["off", "0", "false"].iter().any(|off| value.eq_ignore_ascii_case(off))) {
        return None;
    }
    if let Some(dir) = dir.filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    // A relative CARGO_TARGET_DIR is relative to where cargo was started, which a test binary
    // (run from its package directory) does not know.
    let target =
        cargo_target_dir.map(PathBuf::from).filter(|dir| dir.is_absolute()).or_else(|| exe.and_then(target_dir_of))?;
    Some(target.join(DIR_NAME))
}

/// The cargo target directory of this process (an absolute `CARGO_TARGET_DIR`, else the one the
/// running executable sits in), whatever the cache switch says: where adapters keep the worker
/// programs they build.
pub fn target_dir() -> Option<PathBuf> {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::current_exe().ok().as_deref().and_then(target_dir_of))
}

/// Cargo marks every target directory with `CACHEDIR.TAG`. Executables sit at most four levels
/// below it: `target/[<triple>/]<profile>/[deps/]<exe>`.
fn target_dir_of(exe: &Path) -> Option<PathBuf> {
    exe.ancestors().skip(1).take(4).find(|dir| dir.join("CACHEDIR.TAG").is_file()).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn target_with_exe(relative_exe: &str) -> (tempfile::TempDir, PathBuf) {
        let target = tempfile::tempdir().unwrap();
        fs::write(target.path().join("CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55").unwrap();
        let exe = target.path().join(relative_exe);
        (target, exe)
    }

    #[test]
    fn found_above_test_binaries_and_binaries_of_any_profile_or_triple() {
        for exe in ["debug/deps/matrix-0123", "release/execmodel", "x86_64-unknown-linux-gnu/debug/deps/t-1"] {
            let (target, exe) = target_with_exe(exe);
            assert_eq!(
                root_from(None, None, None, Some(&exe)),
                Some(target.path().join(DIR_NAME)),
                "{}",
                exe.display()
            );
        }
    }

    #[test]
    fn none_outside_a_target_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(root_from(None, None, None, Some(&dir.path().join("bin/execmodel"))), None);
        assert_eq!(root_from(None, None, None, None), None);
    }

    #[test]
    fn an_absolute_cargo_target_dir_wins_over_the_executable_and_a_relative_one_is_ignored() {
        let (target, exe) = target_with_exe("debug/execmodel");
        let elsewhere = tempfile::tempdir().unwrap();
        let chosen = root_from(None, None, Some(elsewhere.path().into()), Some(&exe));
        assert_eq!(chosen, Some(elsewhere.path().join(DIR_NAME)));
        let chosen = root_from(None, None, Some("rel/target".into()), Some(&exe));
        assert_eq!(chosen, Some(target.path().join(DIR_NAME)));
    }

    #[test]
    fn the_override_wins_and_the_switch_disables_everything() {
        let (_target, exe) = target_with_exe("debug/execmodel");
        assert_eq!(root_from(None, Some("/tmp/c".into()), None, Some(&exe)), Some(PathBuf::from("/tmp/c")));
        for off in ["off", "OFF", "0", "false"] {
            assert_eq!(root_from(Some(off.into()), Some("/tmp/c".into()), None, Some(&exe)), None, "{off}");
        }
        assert!(root_from(Some("on".into()), None, None, Some(&exe)).is_some());
    }
}
