//! Which toolchain builds each language, its exact version, and `corpus/toolchains.toml`, the
//! record of the versions the committed corpus was built with.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::lang::{Lang, ASC_ENTRY, LIBCXX_INCLUDE};

pub const RECORD_FILE: &str = "toolchains.toml";

/// An installed toolchain, identified by `key = value` facts (e.g. `version`, `wasi-libc`).
/// Two toolchains match when every fact is equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    pub facts: BTreeMap<String, String>,
}

impl Toolchain {
    pub fn describe(&self) -> String {
        let facts: Vec<String> = self.facts.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        facts.join(", ")
    }
}

/// Why a toolchain is unusable, in words for the user.
#[derive(Debug, Clone)]
pub struct Missing {
    pub reason: String,
}

pub fn detect(lang: Lang, root: &Path) -> Result<Toolchain, Missing> {
    let mut facts = BTreeMap::new();
    match lang {
        Lang::Rust => {
            facts.insert("version".into(), first_line(Command::new("rustc").arg("-V"))?);
            let sysroot = first_line(Command::new("rustc").args(["--print", "sysroot"]))?;
            if !Path::new(&sysroot).join("lib/rustlib/wasm32-wasip1").is_dir() {
                return Err(Missing { reason: "rustc has no wasm32-wasip1 target".into() });
            }
        }
        Lang::C | Lang::Cpp => {
            facts.insert("version".into(), first_line(Command::new("clang-16").arg("--version"))?);
            facts.insert("wasi-libc".into(), debian_version("wasi-libc")?);
            require_files(&[
                ("/usr/lib/wasm32-wasi/crt1-command.o", "wasi-libc"),
                ("/usr/lib/llvm-16/bin/wasm-ld", "lld-16"),
                ("/usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a", "libclang-rt-16-dev-wasm32"),
            ])?;
            if lang == Lang::Cpp {
                facts.insert("libc++".into(), debian_version("libc++-16-dev-wasm32")?);
                require_files(&[
                    (LIBCXX_INCLUDE, "libc++-16-dev-wasm32"),
                    ("/usr/lib/wasm32-wasi/libc++.a", "libc++-16-dev-wasm32"),
                    ("/usr/lib/wasm32-wasi/libc++abi.a", "libc++abi-16-dev-wasm32"),
                ])?;
            }
        }
        Lang::Emscripten => {
            facts.insert("version".into(), first_line(Command::new("em++").arg("--version"))?);
            facts.insert("package".into(), debian_version("emscripten")?);
        }
        Lang::Zig => {
            facts.insert("version".into(), first_line(zig_command().arg("version"))?);
        }
        Lang::Go => {
            facts.insert(
                "version".into(),
                first_line(Command::new("go").args(["env", "GOVERSION"]).env("GOTOOLCHAIN", "local"))?,
            );
        }
        Lang::AssemblyScript => {
            let dir = root.join("corpus").join(lang.dir());
            if !dir.join(ASC_ENTRY).is_file() {
                return Err(Missing {
                    reason: format!(
                        "corpus/{}/{ASC_ENTRY} is missing: the compiler is installed by `npm ci` in corpus/{}",
                        lang.dir(),
                        lang.dir()
                    ),
                });
            }
            facts.insert(
                "version".into(),
                first_line(Command::new("node").arg(ASC_ENTRY).arg("--version").current_dir(&dir))?,
            );
            // The shim decides the imports and the start export; binaryen does the optimising.
            for (fact, package) in [("wasi-shim", "@assemblyscript/wasi-shim"), ("binaryen", "binaryen")] {
                let script = format!("require('./node_modules/{package}/package.json').version");
                facts.insert(fact.into(), first_line(Command::new("node").args(["-p", &script]).current_dir(&dir))?);
            }
        }
        Lang::Wat => {
            let version = locked_version(root, "wat").map_err(|err| Missing { reason: format!("{err:#}") })?;
            facts.insert("version".into(), format!("wat {version}"));
        }
    }
    Ok(Toolchain { facts })
}

/// Zig as installed by `pip install ziglang`.
pub fn zig_command() -> Command {
    let mut command = Command::new("python3");
    command.args(["-m", "ziglang"]);
    command
}

/// The installed version of a Debian package.
fn debian_version(package: &str) -> Result<String, Missing> {
    first_line(Command::new("dpkg-query").args(["-W", "-f=${Version}", package]))
        .map_err(|_| Missing { reason: format!("Debian package {package} is not installed") })
}

/// Each `(file, package)`: the file must exist, or the package that ships it is missing.
fn require_files(files: &[(&str, &str)]) -> Result<(), Missing> {
    match files.iter().find(|(file, _)| !Path::new(file).exists()) {
        Some((file, package)) => Err(Missing { reason: format!("{file} is missing (package {package})") }),
        None => Ok(()),
    }
}

fn first_line(command: &mut Command) -> Result<String, Missing> {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    let program = words.join(" ");
    let output = command.output().map_err(|err| Missing { reason: format!("`{program}` cannot run: {err}") })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let detail = stderr.lines().last().unwrap_or("").trim();
        return Err(Missing { reason: format!("`{program}` failed ({}): {detail}", output.status) });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.lines().next().unwrap_or("").trim().to_string())
}

/// The version of `package` in the workspace's Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = ")) {
                return Ok(version.trim_matches('"').to_string());
            }
        }
    }
    bail!("{package} is not in {}", path.display())
}

/// `corpus/toolchains.toml`, one table per language.
pub type Record = BTreeMap<Lang, Toolchain>;

/// Reads the record; a missing file is an empty record. Only the subset of TOML the file is
/// written in is understood (tables of string values), which keeps xtask free of a TOML parser.
pub fn read_record(corpus_dir: &Path) -> Result<Record> {
    let path = corpus_dir.join(RECORD_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Record::new()),
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    parse_record(&text).with_context(|| format!("in {}", path.display()))
}

fn parse_record(text: &str) -> Result<Record> {
    let mut record = Record::new();
    let mut current: Option<Lang> = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = index + 1;
        if let Some(table) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let lang =
                Lang::from_dir(table.trim()).with_context(|| format!("line {at}: unknown language [{table}]"))?;
            record.insert(lang, Toolchain { facts: BTreeMap::new() });
            current = Some(lang);
            continue;
        }
        let (key, value) = line.split_once('=').with_context(|| format!("line {at}: expected `key = \"value\"`"))?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .with_context(|| format!("line {at}: the value must be a quoted string"))?;
        let lang = current.with_context(|| format!("line {at}: key outside a [language] table"))?;
        if value.contains(['"', '\\']) {
            bail!("line {at}: quotes and backslashes are not supported in values");
        }
        if let Some(toolchain) = record.get_mut(&lang) {
            toolchain.facts.insert(key.trim().to_string(), value.to_string());
        }
    }
    Ok(record)
}

pub fn write_record(corpus_dir: &Path, record: &Record) -> Result<()> {
    let mut text = String::from(
        "# Toolchains the committed corpus was built with; written by `cargo xtask corpus`.\n\
         # `cargo xtask corpus --check` compares modules byte for byte where the installed toolchain\n\
         # matches, and only imports/exports/signatures where it does not.\n",
    );
    for (lang, toolchain) in record {
        text.push_str(&format!("\n[{}]\n", lang.dir()));
        for (key, value) in &toolchain.facts {
            text.push_str(&format!("{key} = \"{value}\"\n"));
        }
    }
    let path = corpus_dir.join(RECORD_FILE);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_and_rejects_unknown_languages() {
        let mut facts = BTreeMap::new();
        facts.insert("version".to_string(), "Debian clang version 16.0.6 (15~deb12u1)".to_string());
        facts.insert("wasi-libc".to_string(), "0.0~git20220510.9886d3d-2".to_string());
        let record = Record::from([(Lang::C, Toolchain { facts })]);
        let dir = tempfile::tempdir().unwrap();
        write_record(dir.path(), &record).unwrap();
        assert_eq!(read_record(dir.path()).unwrap(), record);
        assert!(parse_record("[cobol]\nversion = \"1\"\n").is_err());
        assert!(parse_record("version = \"1\"\n").is_err());
    }
}
