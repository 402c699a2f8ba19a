//! Building the Java worker once per machine (per source digest, JDK and Maven version).

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use execmodel_contract::Unavailable;
use execmodel_worker::WorkerBuild;

/// The worker's main sources and build, embedded so that the jar always matches this build of
/// the adapter (its JUnit tests stay in `worker/src/test`, run by `mvn package` there).
const SOURCES: [(&str, &str); 9] = [
    ("pom.xml", include_str!("../worker/pom.xml")),
    ("src/main/resources/execmodel-chicory.properties", include_str!("../worker/src/main/resources/execmodel-chicory.properties")),
    ("src/main/java/execmodel/chicory/Main.java", include_str!("../worker/src/main/java/execmodel/chicory/Main.java")),
    ("src/main/java/execmodel/chicory/Worker.java", include_str!("../worker/src/main/java/execmodel/chicory/Worker.java")),
    ("src/main/java/execmodel/chicory/Probe.java", include_str!("../worker/src/main/java/execmodel/chicory/Probe.java")),
    ("src/main/java/execmodel/chicory/Values.java", include_str!("../worker/src/main/java/execmodel/chicory/Values.java")),
    ("src/main/java/execmodel/chicory/Capture.java", include_str!("../worker/src/main/java/execmodel/chicory/Capture.java")),
    ("src/main/java/execmodel/chicory/EntryTracker.java", include_str!("../worker/src/main/java/execmodel/chicory/EntryTracker.java")),
    ("README.md", include_str!("../worker/README.md")),
];
const JAR: &str = "execmodel-chicory-worker.jar";
/// The pom compiles with `<maven.compiler.release>17`.
const MIN_JAVA: u32 = 17;
const INSTALL: &str = "install a JDK ≥ 17 and Maven (Debian: `apt-get install -y openjdk-17-jdk-headless maven`)";

/// The built jar, building it on first use; every later call in this process is free.
pub fn worker_jar() -> Result<PathBuf, Unavailable> {
    static JAR_PATH: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    JAR_PATH.get_or_init(build_once).clone()
}

fn build_once() -> Result<PathBuf, Unavailable> {
    let toolchain = format!("{} / {}", java_version()?, maven_version()?);
    let build = WorkerBuild { name: "chicory", sources: &SOURCES, toolchain: &toolchain, artifact: JAR };
    build
        .get_or_build(|source_dir, partial| {
            // The tests need the corpus beside the sources; they run in the worker's own
            // directory (`mvn package` there, and in .ci/run), not in this build.
            let output = Command::new("mvn")
                .args(["-q", "-B", "-DskipTests", "package"])
                .current_dir(source_dir)
                .env_remove("MAVEN_OPTS")
                .output()
                .map_err(|err| format!("cannot run `mvn package`: {err}"))?;
            if !output.status.success() {
                let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
                return Err(format!("`mvn package` of the Chicory worker failed ({}): {}", output.status, printed.trim()));
            }
            std::fs::rename(source_dir.join("target").join(JAR), partial).map_err(|err| format!("`mvn package` left no {JAR}: {err}"))
        })
        .map_err(Unavailable)
}

/// `java -version`'s first line (it prints to stderr), if the JDK is new enough.
fn java_version() -> Result<String, Unavailable> {
    let output = match Command::new("java").arg("-version").env_remove("JAVA_TOOL_OPTIONS").output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(Unavailable(format!("java not found on PATH: {INSTALL}"))),
        Err(err) => return Err(Unavailable(format!("cannot run `java -version`: {err}"))),
    };
    let printed = String::from_utf8_lossy(&output.stderr);
    let first = printed.lines().next().unwrap_or_default().trim().to_string();
    match feature_version(&first) {
        Some(major) if output.status.success() && major >= MIN_JAVA => Ok(first),
        Some(major) => Err(Unavailable(format!("Java {major} found, the Chicory worker needs ≥ {MIN_JAVA}: {INSTALL}"))),
        None => Err(Unavailable(format!("`java -version` printed {first:?}, not a Java version: {INSTALL}"))),
    }
}

fn maven_version() -> Result<String, Unavailable> {
    let output = match Command::new("mvn").args(["-v", "-B"]).output() {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(Unavailable(format!("mvn not found on PATH: {INSTALL}"))),
        Err(err) => return Err(Unavailable(format!("cannot run `mvn -v`: {err}"))),
    };
    // Maven 3.8 colours its version line even in batch mode.
    let printed = without_ansi_colours(&String::from_utf8_lossy(&output.stdout));
    match printed.lines().next() {
        Some(first) if output.status.success() && first.starts_with("Apache Maven") => Ok(first.trim().to_string()),
        _ => Err(Unavailable(format!("`mvn -v` did not name a Maven version ({}): {INSTALL}", output.status))),
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
