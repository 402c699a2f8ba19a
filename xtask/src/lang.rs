//! The eight source languages of the corpus and how each turns one source file into one `.wasm`.
//! Build flags live here, chosen so a rebuild on another checkout is byte-identical: no absolute
//! paths, no debug info or symbol names, one codegen unit.

use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::sources::{BuildKind, Module};

/// Where Debian's clang-16 and lld-16 put their tools.
const LLVM_BIN: &str = "/usr/lib/llvm-16/bin";

/// Where Debian's libc++-16-dev-wasm32 puts the libc++ headers for wasm32-wasi.
pub const LIBCXX_INCLUDE: &str = "/usr/include/wasm32-wasi/c++/v1";

/// AssemblyScript's compiler, relative to `corpus/assemblyscript/` (installed there by `npm ci`).
pub const ASC_ENTRY: &str = "node_modules/assemblyscript/bin/asc.js";

/// The `@assemblyscript/wasi-shim` configuration every AssemblyScript module is built with.
const WASI_SHIM_CONFIG: &str = "./node_modules/@assemblyscript/wasi-shim/asconfig.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    Rust,
    C,
    Cpp,
    Emscripten,
    Zig,
    Go,
    AssemblyScript,
    Wat,
}

impl Lang {
    pub const ALL: [Lang; 8] =
        [Lang::Rust, Lang::C, Lang::Cpp, Lang::Emscripten, Lang::Zig, Lang::Go, Lang::AssemblyScript, Lang::Wat];

    /// Directory under `corpus/`, and the key in `corpus/toolchains.toml`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::Cpp => "cpp",
            Lang::Emscripten => "emscripten",
            Lang::Zig => "zig",
            Lang::Go => "go",
            Lang::AssemblyScript => "assemblyscript",
            Lang::Wat => "wat",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Lang::Rust => "rs",
            Lang::C => "c",
            Lang::Cpp | Lang::Emscripten => "cpp",
            Lang::Zig => "zig",
            Lang::Go => "go",
            Lang::AssemblyScript => "ts",
            Lang::Wat => "wat",
        }
    }

    pub fn from_dir(dir: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.dir() == dir)
    }

    /// The exact command that installs this language's toolchain (Debian/Ubuntu).
    pub fn install_hint(self) -> &'static str {
        match self {
            Lang::Rust => "rustup toolchain install stable && rustup target add wasm32-wasip1",
            Lang::C => "apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32",
            Lang::Cpp => "apt-get install -y clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32",
            Lang::Emscripten => "apt-get install -y emscripten",
            Lang::Zig => "pip install ziglang==0.17.0",
            Lang::Go => "install Go 1.26 (https://go.dev/doc/install): GOOS=wasip1 GOARCH=wasm is built in",
            Lang::AssemblyScript => "cd corpus/assemblyscript && npm ci (needs node >= 20 and npm >= 10; versions pinned in package-lock.json)",
            Lang::Wat => "nothing to install: the `wat` crate is built into xtask",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir())
    }
}

/// Builds `module` into `out`. `scratch` is a directory the compiler may use for caches.
pub fn build(module: &Module, out: &Path, scratch: &Path) -> Result<()> {
    let source_dir = module.source.parent().context("source file has no directory")?;
    let file_name = module.source.file_name().context("source path has no file name")?;
    // Compilers run in the source directory on the bare file name, so embedded paths (panic
    // locations) are just `<file>`; the remap catches any absolute path a compiler still records.
    let remap = format!("{}=corpus/{}", source_dir.display(), module.lang.dir());
    let mut command = match module.lang {
        Lang::Wat => {
            let bytes = wat::parse_file(&module.source)?;
            return std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()));
        }
        Lang::Rust => {
            let mut command = Command::new("rustc");
            command.args(["--edition", "2021", "--target", "wasm32-wasip1", "--crate-type"]);
            command.arg(match module.kind {
                BuildKind::Command | BuildKind::CommandWithExports => "bin",
                BuildKind::Reactor | BuildKind::NoEntry => "cdylib",
            });
            command.args([
                "-C",
                "opt-level=s",
                "-C",
                "panic=abort",
                "-C",
                "codegen-units=1",
                "-C",
                "debuginfo=0",
                "-C",
                "strip=symbols",
            ]);
            command.arg(format!("--remap-path-prefix={remap}"));
            command
        }
        Lang::C | Lang::Cpp => {
            let compiler = match module.lang {
                Lang::Cpp => "clang++",
                _ => "clang",
            };
            let mut command = Command::new(format!("{LLVM_BIN}/{compiler}"));
            // Clang runs `wasm-opt` after linking whenever it finds one on PATH and an -O flag
            // is given, so Binaryen (it comes with Debian's emscripten) would change the bytes:
            // the module must be the same on every machine, so PATH holds only LLVM's own tools.
            command.env("PATH", LLVM_BIN);
            // Debian's clang asks for `wasm-ld-16`, which lives in /usr/bin: name lld-16's own.
            command.arg(format!("-fuse-ld={LLVM_BIN}/wasm-ld"));
            command.args(["--target=wasm32-wasi", "--sysroot=/usr", "-Os", "-Wall", "-Wextra", "-Werror"]);
            command.arg(format!("-ffile-prefix-map={remap}"));
            if module.lang == Lang::Cpp {
                // With --sysroot=/usr clang does not find Debian's wasm32 libc++ headers by
                // itself, so they are named; -nostdinc++ keeps any other libc++ out of the search.
                command.args(["-nostdinc++", "-isystem", LIBCXX_INCLUDE]);
                // Debian's libc++abi for wasm32 has no `__cxa_throw`: `throw` must not compile.
                command.arg("-fno-exceptions");
            }
            // Drops the name section and DWARF that wasi-libc's start files carry.
            command.arg("-Wl,--strip-all");
            match module.kind {
                BuildKind::Command | BuildKind::CommandWithExports => {}
                BuildKind::Reactor => {
                    command.arg("-mexec-model=reactor");
                }
                BuildKind::NoEntry => {
                    // No wasi-libc start file (crt1-command.o defines `_start`, crt1-reactor.o
                    // `_initialize`), and no entry point: the source exports what it defines.
                    command.args(["-nostartfiles", "-Wl,--no-entry"]);
                }
            }
            command
        }
        Lang::Emscripten => {
            // Debian's emcc uses the libraries prebuilt in its frozen cache; the build writes
            // nothing outside `out` and needs no network.
            let mut command = Command::new("em++");
            // STANDALONE_WASM: WASI imports and a `_start` instead of a JavaScript loader.
            command.args(["-O2", "-sSTANDALONE_WASM"]);
            match module.kind {
                BuildKind::Command | BuildKind::CommandWithExports => {}
                // Emscripten's reactor start file: `_initialize` runs the constructors.
                BuildKind::Reactor => {
                    command.arg("--no-entry");
                }
                BuildKind::NoEntry => {
                    bail!("{}: Emscripten's `--no-entry` build is its reactor (`// build: reactor`)", module.id())
                }
            }
            command
        }
        Lang::Go => {
            let mut command = Command::new("go");
            // Only the flags given here: the machine's GOFLAGS would otherwise be recorded in the
            // module's build info, and a different Go must not be fetched behind our back.
            command.env("GOFLAGS", "").env("GOTOOLCHAIN", "local");
            command.env("CGO_ENABLED", "0").env("GOOS", "wasip1").env("GOARCH", "wasm");
            command.arg("build");
            match module.kind {
                BuildKind::Command | BuildKind::CommandWithExports => {}
                // `_initialize` starts Go's runtime and runs the package inits; main never runs.
                BuildKind::Reactor => {
                    command.arg("-buildmode=c-shared");
                }
                BuildKind::NoEntry => bail!("{}: Go has no build without an entry point", module.id()),
            }
            command.args(["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]);
            command
        }
        Lang::AssemblyScript => {
            // The compiler from corpus/assemblyscript/node_modules (`npm ci` there), run by node
            // in the source directory so every path it sees is relative.
            let mut command = Command::new("node");
            command.arg(ASC_ENTRY);
            // The WASI shim: imports wasi_snapshot_preview1 instead of the host's `env` (abort,
            // console, process…) and exports the top-level code as `_start`.
            command.args(["--config", WASI_SHIM_CONFIG]);
            match module.kind {
                BuildKind::Command | BuildKind::CommandWithExports => {}
                // The same top-level code, exported as `_initialize` instead.
                BuildKind::Reactor => {
                    command.args(["--exportStart", "_initialize"]);
                }
                BuildKind::NoEntry => bail!(
                    "{}: AssemblyScript always exports its top-level code (as `_start` or `_initialize`); there is no build without an entry point",
                    module.id()
                ),
            }
            // Fixed levels rather than `-O`'s defaults; no source map, no debug info or name
            // section (neither is emitted unless asked for).
            command.args(["--optimizeLevel", "3", "--shrinkLevel", "1", "--noColors"]);
            command
        }
        Lang::Zig => {
            let mut command = crate::toolchains::zig_command();
            command.args(["build-exe", "-target", "wasm32-wasi", "-O", "ReleaseSmall", "-fstrip"]);
            // Zig reserves 16 MiB of stack by default: 257 initial pages would trip memory caps.
            command.args(["--stack", "65536"]);
            // Without `-rdynamic` an executable exports none of its `export fn`s.
            match module.kind {
                BuildKind::Command => {}
                BuildKind::CommandWithExports => {
                    command.arg("-rdynamic");
                }
                BuildKind::Reactor => {
                    // The reactor model's `_initialize` runs `main`.
                    command.args(["-mexec-model=reactor", "-rdynamic"]);
                }
                BuildKind::NoEntry => {
                    command.args(["-fno-entry", "-rdynamic"]);
                }
            }
            command.arg("--cache-dir").arg(scratch.join("zig-local"));
            command.arg("--global-cache-dir").arg(scratch.join("zig-global"));
            command
        }
    };
    match module.lang {
        Lang::Zig => command.arg(format!("-femit-bin={}", out.display())),
        _ => command.arg("-o").arg(out),
    };
    command.arg(file_name).current_dir(source_dir);
    let output =
        command.output().with_context(|| format!("could not start {:?} for {}", command.get_program(), module.id()))?;
    if !output.status.success() {
        bail!(
            "building {} failed ({}):\n{:?}\n{}{}",
            module.id(),
            output.status,
            command,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
