//! Finding the tests of a wasi-testsuite checkout and reading their JSON specifications.
//!
//! The format is the suite's own (`doc/specification.md` in WebAssembly/wasi-testsuite): a test is
//! a `*.wasm` file, its specification the sibling `*.json` of the same base name (defaults when
//! absent), and a directory of tests may name itself in a `manifest.json`. Both forms of the
//! specification are read: the flat one (`args`, `env`, `root`, `exit_code`, `stdout`, `stderr`,
//! and the older `dirs`) and the list of `operations`. What this harness cannot do for a preview1
//! command (network operations, proposals, components) makes the test skipped, with the reason.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// One directory of tests.
#[derive(Debug, Clone)]
pub struct TestDir {
    /// The manifest's `name`, or the directory's path under the checkout.
    pub name: String,
    pub path: PathBuf,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone)]
pub struct Test {
    /// The file name without `.wasm`, as the official runner names it.
    pub name: String,
    pub wasm: PathBuf,
    pub plan: Result<Plan, Skip>,
}

/// Why a test is not run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

/// What to give the guest and what to check afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Vec<u8>,
    /// A directory of the test's folder to copy and preopen, and the guest path it gets.
    pub preopen: Option<(PathBuf, String)>,
    pub exit_code: i64,
    /// Expected leading text of each stream (the official runner reads as many characters as
    /// the expectation has, then compares).
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// Every directory under `root` (itself included) that holds `*.wasm` files, in path order.
pub fn discover(root: &Path) -> Result<Vec<TestDir>> {
    if !root.is_dir() {
        bail!("{} is not a directory (give a wasi-testsuite checkout or one of its test directories)", root.display());
    }
    let mut dirs = Vec::new();
    collect(root, root, &mut dirs)?;
    if dirs.is_empty() {
        bail!(
            "no *.wasm tests under {}: wasi-testsuite keeps its built tests on the `prod/testsuite-base` branch",
            root.display()
        );
    }
    Ok(dirs)
}

fn collect(root: &Path, dir: &Path, found: &mut Vec<TestDir>) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    entries.sort();
    let wasm: Vec<&PathBuf> =
        entries.iter().filter(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file()).collect();
    if !wasm.is_empty() {
        found.push(read_dir_of_tests(root, dir, &wasm)?);
    }
    for path in &entries {
        // Preopened fixtures (`fs-tests.dir`) hold guest data, not tests.
        let fixture = path.extension().is_some_and(|e| e == "dir");
        if path.is_dir() && !path.is_symlink() && !fixture {
            collect(root, path, found)?;
        }
    }
    Ok(())
}

fn read_dir_of_tests(root: &Path, dir: &Path, wasm: &[&PathBuf]) -> Result<TestDir> {
    let relative = dir.strip_prefix(root).unwrap_or(dir);
    let mut name = if relative.as_os_str().is_empty() { dir_name(dir) } else { relative.display().to_string() };
    let mut whole_dir_skip = None;
    let manifest = dir.join("manifest.json");
    if manifest.is_file() {
        let value = read_json(&manifest)?;
        if let Some(named) = value.get("name").and_then(Value::as_str) {
            name = named.to_string();
        }
        if let Some(version) = value.get("version").and_then(Value::as_str) {
            if version != "wasm32-wasip1" {
                whole_dir_skip = Some(Skip(format!("{version} tests: this harness runs preview1 core modules only")));
            }
        }
    }
    let mut tests = Vec::new();
    for path in wasm {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let plan = match &whole_dir_skip {
            Some(skip) => Err(skip.clone()),
            None => read_plan(path)?,
        };
        tests.push(Test { name, wasm: path.to_path_buf(), plan });
    }
    Ok(TestDir { name, path: dir.to_path_buf(), tests })
}

fn dir_name(dir: &Path) -> String {
    dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The test's plan from its sibling JSON (or the defaults); a component is skipped.
pub fn read_plan(wasm: &Path) -> Result<Result<Plan, Skip>> {
    let mut header = [0u8; 8];
    if let Ok(mut file) = fs::File::open(wasm) {
        use std::io::Read;
        let _ = file.read(&mut header);
    }
    if header[..4] == *b"\0asm" && header[4..] != [1, 0, 0, 0] {
        return Ok(Err(Skip("a component, not a core module: preview1 runs core modules".into())));
    }
    let json = wasm.with_extension("json");
    if !json.exists() {
        return Ok(Ok(Plan::default()));
    }
    let value = read_json(&json)?;
    let object =
        value.as_object().with_context(|| format!("{}: the specification must be a JSON object", json.display()))?;
    let folder = wasm.parent().unwrap_or(Path::new("."));
    if object.contains_key("operations") {
        operations_plan(&json, folder, object)
    } else {
        flat_plan(&json, folder, object).map(Ok)
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|err| anyhow::anyhow!("{}:{}:{}: not valid JSON: {err}", path.display(), err.line(), err.column()))
}

const FLAT_KEYS: &[&str] = &["args", "env", "root", "dirs", "stdin", "exit_code", "stdout", "stderr"];

fn flat_plan(json: &Path, folder: &Path, object: &Map<String, Value>) -> Result<Plan> {
    if let Some(key) = object.keys().find(|key| !FLAT_KEYS.contains(&key.as_str())) {
        bail!("{}: unknown key `{key}` (known: {}, or `operations`)", json.display(), FLAT_KEYS.join(", "));
    }
    let at = |key: &str| format!("{}: `{key}`", json.display());
    let mut plan = Plan {
        args: strings(object.get("args"), || at("args"))?,
        env: env(object.get("env"), || at("env"))?,
        stdin: optional_string(object.get("stdin"), || at("stdin"))?.unwrap_or_default().into_bytes(),
        exit_code: exit_code(object.get("exit_code"), || at("exit_code"))?,
        stdout: optional_string(object.get("stdout"), || at("stdout"))?,
        stderr: optional_string(object.get("stderr"), || at("stderr"))?,
        preopen: None,
    };
    let root = optional_string(object.get("root"), || at("root"))?;
    let dirs = strings(object.get("dirs"), || at("dirs"))?;
    plan.preopen = match (root, dirs.as_slice()) {
        (Some(_), [_, ..]) => bail!("{}: both `root` and `dirs`; give one", json.display()),
        (Some(root), []) => Some((existing_dir(json, folder, &root)?, "/".to_string())),
        (None, []) => None,
        // The older form preopens each directory under its own name.
        (None, [dir]) => Some((existing_dir(json, folder, dir)?, dir.clone())),
        (None, _) => bail!("{}: `dirs` names {} directories; this harness preopens one", json.display(), dirs.len()),
    };
    Ok(plan)
}

fn operations_plan(json: &Path, folder: &Path, object: &Map<String, Value>) -> Result<Result<Plan, Skip>> {
    let at = |key: &str| format!("{}: `{key}`", json.display());
    let proposals = strings(object.get("proposals"), || at("proposals"))?;
    if !proposals.is_empty() {
        return Ok(Err(Skip(format!(
            "needs the {} proposal(s), which preview1 runs do not enable",
            proposals.join(", ")
        ))));
    }
    if let Some(world) = object.get("world").and_then(Value::as_str) {
        if world != "wasi:cli/command" {
            return Ok(Err(Skip(format!("world {world}: only commands run here"))));
        }
    }
    let operations = object
        .get("operations")
        .and_then(Value::as_array)
        .with_context(|| format!("{}: `operations` must be a list", json.display()))?;
    let mut plan = Plan::default();
    let (mut runs, mut waits) = (0, 0);
    for (index, operation) in operations.iter().enumerate() {
        let at = |key: &str| format!("{}: operations[{index}].{key}", json.display());
        let kind = operation.get("type").and_then(Value::as_str).with_context(|| at("type"))?;
        match kind {
            "run" => {
                runs += 1;
                plan.args = strings(operation.get("args"), || at("args"))?;
                plan.env = env(operation.get("env"), || at("env"))?;
                if let Some(root) = optional_string(operation.get("root"), || at("root"))? {
                    plan.preopen = Some((existing_dir(json, folder, &root)?, "/".to_string()));
                }
            }
            "wait" => {
                waits += 1;
                plan.exit_code = exit_code(operation.get("exit_code"), || at("exit_code"))?;
            }
            "read" => {
                let payload = optional_string(operation.get("payload"), || at("payload"))?.unwrap_or_default();
                match operation.get("id").and_then(Value::as_str).unwrap_or("stdout") {
                    "stdout" => plan.stdout.get_or_insert_with(String::new).push_str(&payload),
                    "stderr" => plan.stderr.get_or_insert_with(String::new).push_str(&payload),
                    other => bail!("{}: unknown stream `{other}`", at("id")),
                }
            }
            // Input written before the guest reads it is its stdin; this harness gives all of
            // stdin at the start, which is the same for a guest that reads to the end.
            "write" => {
                let payload = optional_string(operation.get("payload"), || at("payload"))?.unwrap_or_default();
                plan.stdin.extend_from_slice(payload.as_bytes());
            }
            other => {
                return Ok(Err(Skip(format!(
                    "operation `{other}` needs a live process; this harness runs commands to completion"
                ))))
            }
        }
    }
    if runs != 1 || waits != 1 {
        return Ok(Err(Skip(format!(
            "{runs} run and {waits} wait operations; this harness runs one command per test"
        ))));
    }
    Ok(Ok(plan))
}

fn existing_dir(json: &Path, folder: &Path, name: &str) -> Result<PathBuf> {
    let path = folder.join(name);
    if !path.is_dir() {
        bail!("{}: the directory `{name}` to preopen is not in {}", json.display(), folder.display());
    }
    Ok(path)
}

fn strings(value: Option<&Value>, at: impl Fn() -> String) -> Result<Vec<String>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).with_context(|| format!("{} must be a list of strings", at()))
            })
            .collect(),
        Some(_) => bail!("{} must be a list of strings", at()),
    }
}

fn env(value: Option<&Value>, at: impl Fn() -> String) -> Result<Vec<(String, String)>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value.as_str() {
                Some(text) => Ok((key.clone(), text.to_string())),
                None => bail!("{}: `{key}` must be a string", at()),
            })
            .collect(),
        Some(_) => bail!("{} must be an object of strings", at()),
    }
}

fn optional_string(value: Option<&Value>, at: impl Fn() -> String) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => bail!("{} must be a string", at()),
    }
}

fn exit_code(value: Option<&Value>, at: impl Fn() -> String) -> Result<i64> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(value) => value.as_i64().with_context(|| format!("{} must be an integer", at())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(dir: &Path, json: &str) -> Result<Result<Plan, Skip>> {
        fs::write(dir.join("t.wasm"), b"\0asm\x01\0\0\0").unwrap();
        fs::write(dir.join("t.json"), json).unwrap();
        read_plan(&dir.join("t.wasm"))
    }

    #[test]
    fn the_flat_form_and_its_defaults() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("fs-tests.dir")).unwrap();
        let plan = plan_of(dir.path(), r#"{"args": ["a"], "env": {"K": "v"}, "root": "fs-tests.dir", "stdout": "hi"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(plan.args, ["a"]);
        assert_eq!(plan.env, [("K".to_string(), "v".to_string())]);
        assert_eq!(plan.preopen, Some((dir.path().join("fs-tests.dir"), "/".to_string())));
        assert_eq!((plan.exit_code, plan.stdout.as_deref(), plan.stderr.as_deref()), (0, Some("hi"), None));
    }

    #[test]
    fn operations_become_the_same_plan_and_network_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), r#"{"operations": [{"type": "run", "args": ["x"]}, {"type": "read", "payload": "out"}, {"type": "wait", "exit_code": 3}]}"#)
            .unwrap()
            .unwrap();
        assert_eq!((plan.args, plan.stdout.as_deref(), plan.exit_code), (vec!["x".to_string()], Some("out"), 3));
        let skip = plan_of(dir.path(), r#"{"operations": [{"type": "run"}, {"type": "connect"}, {"type": "wait"}]}"#)
            .unwrap()
            .unwrap_err();
        assert!(skip.0.contains("connect"), "{skip:?}");
        let skip = plan_of(dir.path(), r#"{"proposals": ["http"], "operations": [{"type": "run"}, {"type": "wait"}]}"#)
            .unwrap()
            .unwrap_err();
        assert!(skip.0.contains("http"), "{skip:?}");
    }

    #[test]
    fn bad_specifications_name_the_file_and_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let err = plan_of(dir.path(), "{\n  \"args\": [1]\n}").unwrap_err().to_string();
        assert!(err.contains("t.json: `args` must be a list of strings"), "{err}");
        let err = plan_of(dir.path(), "{\n  \"args\": [\n}").unwrap_err().to_string();
        assert!(err.contains("t.json:3:1: not valid JSON"), "{err}");
        let err = plan_of(dir.path(), r#"{"argz": []}"#).unwrap_err().to_string();
        assert!(err.contains("unknown key `argz`"), "{err}");
        let err = plan_of(dir.path(), r#"{"root": "missing.dir"}"#).unwrap_err().to_string();
        assert!(err.contains("`missing.dir` to preopen"), "{err}");
    }

    #[test]
    fn a_component_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("c.wasm"), b"\0asm\x0d\0\x01\0").unwrap();
        assert!(read_plan(&dir.path().join("c.wasm")).unwrap().is_err());
    }
}
