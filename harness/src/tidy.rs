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
}
