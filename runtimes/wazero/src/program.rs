//! Building the Go worker once per machine (per source digest and Go version), and asking it
//! which wazero it embeds.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use execmodel_cache::KeyBuilder;
use execmodel_contract::Unavailable;

/// The worker's sources, embedded so that the binary always matches this build of the adapter.
const SOURCES: [(&str, &str); 5] = [
    ("go.mod", include_str!("../worker/go.mod")),
    ("go.sum", include_str!("../worker/go.sum")),
    ("main.go", include_str!("../worker/main.go")),
    ("worker.go", include_str!("../worker/worker.go")),
    ("probe.go", include_str!("../worker/probe.go")),
];
/// wazero v1.12.0's `go.mod` says `go 1.25.0`.
const MIN_GO_MINOR: u32 = 25;
const BINARY: &str = "execmodel-wazero-worker";
const INSTALL: &str = "install Go ≥ 1.25 (https://go.dev/doc/install) and put `go` on PATH";

/// The built worker, building it on first use; every later call in this process is free.
pub fn worker_program() -> Result<PathBuf, Unavailable> {
    static PROGRAM: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    PROGRAM.get_or_init(build_once).clone()
}

fn build_once() -> Result<PathBuf, Unavailable> {
    let go_version = go_version()?;
    let mut key = KeyBuilder::new().text("go", &go_version);
    for (name, source) in SOURCES {
        key = key.text(name, source);
    }
    let digest = key.finish().to_string();
    let root = execmodel_cache::target_dir().unwrap_or_else(std::env::temp_dir).join("execmodel-workers");
    let dir = root.join(format!("wazero-{}", &digest[..16]));
    let binary = dir.join(BINARY);
    if binary.is_file() {
        return Ok(binary);
    }
    fs::create_dir_all(&dir).map_err(|err| unavailable(format!("cannot create {}: {err}", dir.display())))?;
    // Test processes start together (nextest runs one per trial): one builds, the others wait.
    let lock = File::create(dir.join(".lock")).map_err(|err| unavailable(format!("cannot create a lock in {}: {err}", dir.display())))?;
    lock.lock().map_err(|err| unavailable(format!("cannot lock {}: {err}", dir.display())))?;
    if binary.is_file() {
        return Ok(binary);
    }
    let source_dir = dir.join("src");
    fs::create_dir_all(&source_dir).map_err(|err| unavailable(format!("cannot create {}: {err}", source_dir.display())))?;
    for (name, source) in SOURCES {
        fs::write(source_dir.join(name), source).map_err(|err| unavailable(format!("cannot write the worker's {name}: {err}")))?;
    }
    let partial = dir.join(format!("{BINARY}.partial"));
    let output = Command::new("go")
        .args(["build", "-trimpath", "-buildvcs=false", "-o"])
        .arg(&partial)
        .arg(".")
        .current_dir(&source_dir)
        .env("CGO_ENABLED", "0")
        .env("GOFLAGS", "-mod=readonly")
        .output()
        .map_err(|err| unavailable(format!("cannot run `go build`: {err}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(unavailable(format!("`go build` of the wazero worker failed ({}): {}", output.status, stderr.trim())));
    }
    fs::rename(&partial, &binary).map_err(|err| unavailable(format!("cannot move the built worker into place: {err}")))?;
    Ok(binary)
}

/// `go env GOVERSION` (e.g. `go1.26.8`), if it is recent enough for wazero v1.12.0.
fn go_version() -> Result<String, Unavailable> {
    let output = match Command::new("go").args(["env", "GOVERSION"]).output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(unavailable(format!("go not found on PATH: {INSTALL}"))),
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

/// The worker's own answer to `hello`: the wazero version it embeds.
pub fn hello(program: &Path, engine_flag: &str) -> Result<String, Unavailable> {
    let mut child = Command::new(program)
        .arg(engine_flag)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| unavailable(format!("cannot start {}: {err}", program.display())))?;
    let asked = child.stdin.take().map(|mut stdin| stdin.write_all(b"{\"id\":1,\"op\":\"hello\"}\n"));
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    let _ = child.kill();
    let _ = child.wait();
    if !matches!(asked, Some(Ok(()))) {
        return Err(unavailable(format!("{} did not take a request", program.display())));
    }
    let reply: serde_json::Value =
        serde_json::from_str(&line).map_err(|err| unavailable(format!("the wazero worker answered {line:?} to hello: {err}")))?;
    match (reply["version"].as_str(), reply["protocol"].as_u64()) {
        (Some(version), Some(execmodel_worker::protocol::VERSION)) => Ok(version.trim_start_matches('v').to_string()),
        _ => Err(unavailable(format!("the wazero worker's hello reply {line:?} names no version of protocol {}", execmodel_worker::protocol::VERSION))),
    }
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
