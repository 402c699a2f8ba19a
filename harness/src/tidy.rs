//! Project-wide checks that run as ordinary tests: the README's promises stay true.

#[cfg(test)]
mod tests {
    use crate::suite::Suite;

    #[test]
    fn readme_opens_with_the_matrix_and_test_commands() {
        let readme = std::fs::read_to_string(Suite::default_root().join("README.md")).unwrap();
        let commands: Vec<&str> = readme
            .lines()
            .skip_while(|line| !line.starts_with("```"))
            .skip(1)
            .take_while(|line| !line.starts_with("```"))
            .collect();
        assert!(commands[0].starts_with("cargo run -p harness -- matrix"), "{commands:?}");
        assert!(commands[1].starts_with("cargo test "), "{commands:?}");
        let ci = std::fs::read_to_string(Suite::default_root().join(".ci/run")).unwrap();
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
                .current_dir(Suite::default_root())
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
