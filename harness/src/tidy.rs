//! Project-wide checks that run as ordinary tests: the README's promises stay true.

/// `harness/src`'s stages in data-flow order: a stage may use itself and the stages before it.
#[cfg(test)]
const STAGES: [&str; 6] = ["corpus", "expectations", "trials", "views", "bench", "fuzz"];

/// Where a source line uses a later stage than its own: (line number, the stage it uses).
#[cfg(test)]
fn upstream_uses(own_stage: usize, source: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for used in crate_paths(line) {
            if let Some(stage) = STAGES.iter().position(|stage| *stage == used[0]) {
                if stage > own_stage {
                    found.push((index + 1, STAGES[stage]));
                }
            }
        }
    }
    found
}

/// Every `crate::a::b…` path on a line, as its segments; `crate::{…}` (several stages in one
/// `use`) is reported as the segment `{`, so that the check cannot be dodged by it.
#[cfg(test)]
fn crate_paths(line: &str) -> Vec<Vec<&str>> {
    let mut paths = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        if at > 0 && line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &line[at + "crate::".len()..];
        if rest.starts_with('{') {
            paths.push(vec!["{"]);
            continue;
        }
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let segments: Vec<&str> = rest[..end].split("::").filter(|segment| !segment.is_empty()).collect();
        if !segments.is_empty() {
            paths.push(segments);
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use super::{crate_paths, upstream_uses, STAGES};
    use crate::corpus::files_with_extension;

    fn sources(src: &Path) -> Vec<PathBuf> {
        files_with_extension(src, "rs").unwrap().into_iter().map(|(_, path)| path).collect()
    }

    /// (file relative to harness/src, its module as `stage::module`, its source) for every file
    /// inside a stage folder.
    fn staged_sources() -> Vec<(String, String, String)> {
        let src = crate::corpus::default_root().join("harness/src");
        let files = sources(&src);
        let mut staged = Vec::new();
        for file in files {
            let relative = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            let parts: Vec<&str> = relative.trim_end_matches(".rs").split('/').collect();
            if parts.len() < 2 {
                continue;
            }
            let module = match parts[1] {
                "mod" => parts[0].to_string(),
                name => format!("{}::{name}", parts[0]),
            };
            staged.push((relative.clone(), module, std::fs::read_to_string(&file).unwrap()));
        }
        staged
    }

    #[test]
    fn every_source_file_is_in_a_stage_folder() {
        let src = crate::corpus::default_root().join("harness/src");
        for file in sources(&src) {
            let relative = file.strip_prefix(&src).unwrap();
            let top = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
            let shared = ["lib.rs", "main.rs", "testing.rs", "text.rs", "tidy.rs"].contains(&top.as_str());
            assert!(
                shared || STAGES.contains(&top.as_str()),
                "harness/src/{}: put it in one of the stage folders {STAGES:?} (lib.rs says what each holds)",
                relative.display()
            );
        }
    }

    #[test]
    fn imports_only_run_downstream_between_stages() {
        let mut upstream = Vec::new();
        for (file, module, source) in staged_sources() {
            let own = STAGES.iter().position(|stage| module.split("::").next() == Some(stage)).unwrap();
            for (line, used) in upstream_uses(own, &source) {
                upstream.push(format!("harness/src/{file}:{line}: {} uses {used}, a later stage", STAGES[own]));
            }
            for path in source.lines().flat_map(crate_paths) {
                assert_ne!(path, ["{"], "harness/src/{file}: import each stage with its own `use crate::stage::…`");
            }
        }
        assert!(
            upstream.is_empty(),
            "imports must run {}; move what both need to the earlier stage:\n{}",
            STAGES.join(" → "),
            upstream.join("\n")
        );
    }

    #[test]
    fn no_two_modules_use_each_other() {
        let staged = staged_sources();
        let modules: BTreeSet<&str> = staged.iter().map(|(_, module, _)| module.as_str()).collect();
        let mut uses: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (_, module, source) in &staged {
            for path in source.lines().flat_map(crate_paths) {
                let used = match path.as_slice() {
                    [stage, name, ..] if modules.contains(format!("{stage}::{name}").as_str()) => {
                        format!("{stage}::{name}")
                    }
                    [stage, ..] => stage.to_string(),
                    [] => continue,
                };
                if used != *module && !module.starts_with(&format!("{used}::")) {
                    uses.entry(module.as_str()).or_default().insert(used);
                }
            }
        }
        let mut circles = Vec::new();
        for (module, used) in &uses {
            for other in used {
                if uses.get(other.as_str()).is_some_and(|back| back.contains(*module)) && *module < other.as_str() {
                    circles.push(format!("{module} ↔ {other}"));
                }
            }
        }
        assert!(circles.is_empty(), "import circles (move the shared piece to the module both use): {circles:?}");
    }

    #[test]
    fn the_stage_check_sees_an_upstream_use() {
        let source = "use crate::trials::Plan;\n// crate::bench in a comment\nlet x = crate::views::matrix::run();\n";
        assert_eq!(upstream_uses(1, source), vec![(1, "trials"), (3, "views")]);
        assert!(upstream_uses(3, source).is_empty());
        assert_eq!(crate_paths("use crate::{views, bench};")[0], ["{"]);
        assert!(crate_paths("use mycrate::views::x;").is_empty());
    }

    #[test]
    fn readme_opens_with_the_matrix_and_test_commands() {
        let readme = std::fs::read_to_string(crate::corpus::default_root().join("README.md")).unwrap();
        let commands: Vec<&str> = readme
            .lines()
            .skip_while(|line| !line.starts_with("```"))
            .skip(1)
            .take_while(|line| !line.starts_with("```"))
            .collect();
        assert!(commands[0].starts_with("cargo run -p harness -- matrix"), "{commands:?}");
        assert!(commands[1].starts_with("cargo test "), "{commands:?}");
        let ci = std::fs::read_to_string(crate::corpus::default_root().join(".ci/run")).unwrap();
        assert!(ci.lines().any(|line| line.trim() == "cargo test"), ".ci/run must run the README's test command");
        assert!(ci.contains("cargo run -p harness -- matrix"), ".ci/run must run the README's matrix command");
    }

    /// A network, TLS or C-library stack that nothing here uses once cost a newcomer's first
    /// build a quarter of an hour (wasmer-wasix's default features): it must not come back.
    #[test]
    fn the_default_build_has_no_network_or_tls_stack() {
        const UNWANTED: [&str; 5] = ["reqwest", "hyper", "rustls", "aws-lc-sys", "openssl-sys"];
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let tree = |args: &[&str]| {
            let output = std::process::Command::new(&cargo)
                .args(["tree", "--quiet", "-p", "harness", "-e", "normal,build"])
                .args(args)
                .current_dir(crate::corpus::default_root())
                .output()
                .expect("cargo tree runs");
            assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        let packages = tree(&["--prefix", "none", "--format", "{p}"]);
        for unwanted in UNWANTED {
            if packages.lines().any(|line| line.split(' ').next() == Some(unwanted)) {
                // The inverted tree with features names the crate and feature that brought it.
                let chain = tree(&["-e", "features", "-i", unwanted, "--depth", "8"]);
                panic!("{unwanted} is back in the default build's dependencies:\n{chain}");
            }
        }
    }
}
