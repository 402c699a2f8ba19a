//! The JDK and Maven a Java worker program (Chicory, GraalWasm) is built and run with.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;

/// `java -version`'s first line (it prints to stderr) and the feature version it names (17, 21, …).
pub fn java_version(java: &Path) -> Result<(String, u32), String> {
    let output = match Command::new(java).arg("-version").env_remove("JAVA_TOOL_OPTIONS").output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(format!("{} not found", java.display())),
        Err(err) => return Err(format!("cannot run `{} -version`: {err}", java.display())),
    };
    let printed = String::from_utf8_lossy(&output.stderr);
    let first = printed.lines().next().unwrap_or_default().trim().to_string();
    match feature_version(&first) {
        Some(major) if output.status.success() => Ok((first, major)),
        _ => Err(format!("`{} -version` printed {first:?}, not a Java version", java.display())),
    }
}

/// `mvn -v`'s first line (`Apache Maven 3.8.7`), run under `java_home` when given.
pub fn maven_version(java_home: Option<&Path>) -> Result<String, String> {
    let mut command = Command::new("mvn");
    command.args(["-v", "-B"]);
    if let Some(home) = java_home {
        command.env("JAVA_HOME", home);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err("mvn not found on PATH".to_string()),
        Err(err) => return Err(format!("cannot run `mvn -v`: {err}")),
    };
    // Maven 3.8 colours its version line even in batch mode.
    let printed = without_ansi_colours(&String::from_utf8_lossy(&output.stdout));
    match printed.lines().next() {
        Some(first) if output.status.success() && first.starts_with("Apache Maven") => Ok(first.trim().to_string()),
        _ => Err(format!("`mvn -v` did not name a Maven version ({})", output.status)),
    }
}

/// `mvn -q -B -DskipTests package` in `project`, under `java_home` when given; the error has Maven's output.
pub fn maven_package(project: &Path, java_home: Option<&Path>, properties: &[&str]) -> Result<(), String> {
    let mut command = Command::new("mvn");
    command
        .args(["-q", "-B", "-DskipTests"])
        .args(properties)
        .arg("package")
        .current_dir(project)
        .env_remove("MAVEN_OPTS");
    if let Some(home) = java_home {
        command.env("JAVA_HOME", home);
    }
    let output = command.output().map_err(|err| format!("cannot run `mvn package`: {err}"))?;
    if output.status.success() {
        return Ok(());
    }
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Err(format!("`mvn package` in {} failed ({}): {}", project.display(), output.status, printed.trim()))
}

/// `openjdk version "17.0.15" 2025-04-15` → 17; `java version "1.8.0_392"` → 8.
fn feature_version(first_line: &str) -> Option<u32> {
    let quoted = first_line.split('"').nth(1)?;
    let mut parts = quoted.split(['.', '_', '-', '+']);
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// `text` without `ESC [ … m` colour sequences.
fn without_ansi_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for skipped in chars.by_ref() {
                if skipped == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_feature_versions() {
        assert_eq!(feature_version(r#"openjdk version "17.0.15" 2025-04-15"#), Some(17));
        assert_eq!(feature_version(r#"openjdk version "21" 2023-09-19"#), Some(21));
        assert_eq!(feature_version(r#"java version "1.8.0_392""#), Some(8));
        assert_eq!(feature_version("no version here"), None);
    }

    #[test]
    fn strips_maven_colours() {
        assert_eq!(without_ansi_colours("\u{1b}[1mApache Maven 3.8.7\u{1b}[m"), "Apache Maven 3.8.7");
    }
}
