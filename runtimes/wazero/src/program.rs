//! Building the Go worker once per machine (per source digest and Go version).

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use execmodel_contract::Unavailable;
use execmodel_worker::WorkerBuild;

use crate::Release;

/// The worker's sources, embedded so that the binary always matches this build of the adapter.
const SOURCES: [(&str, &str); 5] = [
    ("go.mod", include_str!("../worker/go.mod")),
    ("go.sum", include_str!("../worker/go.sum")),
    ("main.go", include_str!("../worker/main.go")),
    ("worker.go", include_str!("../worker/worker.go")),
    ("probe.go", include_str!("../worker/probe.go")),
];
/// The same worker against the previous wazero release: only its module files differ.
const PREVIOUS_MODULE: [(&str, &str); 2] =
    [("go.mod", include_str!("../releases/v1.11.0/go.mod")), ("go.sum", include_str!("../releases/v1.11.0/go.sum"))];
/// wazero v1.12.0's `go.mod` says `go 1.25.0`.
const MIN_GO_MINOR: u32 = 25;
const BINARY: &str = "execmodel-wazero-worker";
const INSTALL: &str = "install Go ≥ 1.25 (https://go.dev/doc/install) and put `go` on PATH";

/// The built worker for `release`, building it on first use; every later call in this process is free.
pub fn worker_program(release: Release) -> Result<PathBuf, Unavailable> {
    static CURRENT: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    static PREVIOUS: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    match release {
        Release::Current => CURRENT.get_or_init(|| build_once("wazero", SOURCES)),
        Release::Previous => PREVIOUS.get_or_init(|| {
            let mut sources = SOURCES;
            sources[..2].copy_from_slice(&PREVIOUS_MODULE);
            build_once("wazero-1.11", sources)
        }),
    }
    .clone()
}

fn build_once(name: &str, sources: [(&'static str, &'static str); 5]) -> Result<PathBuf, Unavailable> {
    let go_version = go_version()?;
    let build = WorkerBuild { name, sources: &sources, toolchain: &go_version, artifact: BINARY };
    build
        .get_or_build(|source_dir, partial| {
            let output = Command::new("go")
                .args(["build", "-trimpath", "-buildvcs=false", "-o"])
                .arg(partial)
                .arg(".")
                .current_dir(source_dir)
                .env("CGO_ENABLED", "0")
                .env("GOFLAGS", "-mod=readonly")
                .output()
                .map_err(|err| format!("cannot run `go build`: {err}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "`go build` of the wazero worker failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        })
        .map_err(Unavailable)
}

/// `go env GOVERSION` (e.g. `go1.26.8`), if it is recent enough for wazero v1.12.0.
fn go_version() -> Result<String, Unavailable> {
    let output = match Command::new("go").args(["env", "GOVERSION"]).output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => {
            return Err(unavailable(format!("go not found on PATH: {INSTALL}")))
        }
        Err(err) => return Err(unavailable(format!("cannot run `go env GOVERSION`: {err}"))),
    };
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    match minor_version(&version) {
        Some(minor) if output.status.success() && minor >= MIN_GO_MINOR => Ok(version),
        Some(_) => Err(unavailable(format!("{version} found, wazero v1.12.0 needs Go ≥ 1.{MIN_GO_MINOR}: {INSTALL}"))),
        None => Err(unavailable(format!("`go env GOVERSION` printed {version:?}, not a Go version: {INSTALL}"))),
    }
}

/// `go1.26.8` → 26 (Go 1 only).
fn minor_version(version: &str) -> Option<u32> {
    let mut parts = version.strip_prefix("go1.")?.split(|c: char| !c.is_ascii_digit());
    parts.next()?.parse().ok()
}

fn unavailable(message: String) -> Unavailable {
    Unavailable(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_go_minor_versions() {
        assert_eq!(minor_version("go1.26.8"), Some(26));
        assert_eq!(minor_version("go1.25rc1"), Some(25));
        assert_eq!(minor_version("devel go1.27"), None);
        assert_eq!(minor_version(""), None);
    }
}
