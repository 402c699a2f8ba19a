//! Building the Java worker once per machine (per source digest, JDK and Maven version).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use execmodel_contract::Unavailable;
use execmodel_worker::{jvm, WorkerBuild};

use crate::Release;

/// The worker's main sources and build, embedded so that the jar always matches this build of
/// the adapter (its JUnit tests stay in `worker/src/test`, run by `mvn package` there).
const SOURCES: [(&str, &str); 10] = [
    ("pom.xml", include_str!("../worker/pom.xml")),
    (
        "src/main/resources/execmodel-chicory.properties",
        include_str!("../worker/src/main/resources/execmodel-chicory.properties"),
    ),
    ("src/main/java/execmodel/chicory/Main.java", include_str!("../worker/src/main/java/execmodel/chicory/Main.java")),
    (
        "src/main/java/execmodel/chicory/Worker.java",
        include_str!("../worker/src/main/java/execmodel/chicory/Worker.java"),
    ),
    (
        "src/main/java/execmodel/chicory/Probe.java",
        include_str!("../worker/src/main/java/execmodel/chicory/Probe.java"),
    ),
    (
        "src/main/java/execmodel/chicory/Values.java",
        include_str!("../worker/src/main/java/execmodel/chicory/Values.java"),
    ),
    (
        "src/main/java/execmodel/chicory/Capture.java",
        include_str!("../worker/src/main/java/execmodel/chicory/Capture.java"),
    ),
    (
        "src/main/java/execmodel/chicory/EntryTracker.java",
        include_str!("../worker/src/main/java/execmodel/chicory/EntryTracker.java"),
    ),
    (
        "src/main/java/execmodel/chicory/CompilerEngine.java",
        include_str!("../worker/src/main/java/execmodel/chicory/CompilerEngine.java"),
    ),
    ("README.md", include_str!("../worker/README.md")),
];
const JAR: &str = "execmodel-chicory-worker.jar";
/// The pom compiles with `<maven.compiler.release>17`.
const MIN_JAVA: u32 = 17;
const INSTALL: &str = "install a JDK ≥ 17 and Maven (Debian: `apt-get install -y openjdk-17-jdk-headless maven`)";

/// The built jar for `release`, building it on first use; every later call in this process is free.
pub fn worker_jar(release: Release) -> Result<PathBuf, Unavailable> {
    static CURRENT: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    static PREVIOUS: OnceLock<Result<PathBuf, Unavailable>> = OnceLock::new();
    match release {
        Release::Current => CURRENT.get_or_init(|| build_once("chicory", &[])),
        // Maven serves Chicory 1.7.3's runtime and wasi but not its compiler (nor 1.7.4 at all):
        // the previous release is built interpreter-only, the pom's `interpreter-only` profile.
        Release::Previous => PREVIOUS
            .get_or_init(|| build_once("chicory-1.7.3", &["-Dchicory.version=1.7.3", "-Dchicory.interpreterOnly"])),
    }
    .clone()
}

fn build_once(name: &str, properties: &[&str]) -> Result<PathBuf, Unavailable> {
    let unavailable = |why: String| Unavailable(format!("{why}: {INSTALL}"));
    let (java, major) = jvm::java_version(Path::new("java")).map_err(unavailable)?;
    if major < MIN_JAVA {
        return Err(unavailable(format!("Java {major} found, the Chicory worker needs ≥ {MIN_JAVA}")));
    }
    // The properties choose the release, so they are part of what the build is keyed on.
    let toolchain = format!("{java} / {} / {}", jvm::maven_version(None).map_err(unavailable)?, properties.join(" "));
    let build = WorkerBuild { name, sources: &SOURCES, toolchain: &toolchain, artifact: JAR };
    build
        .get_or_build(|source_dir, partial| {
            // The tests need the corpus beside the sources; they run in the worker's own
            // directory (`mvn package` there, and in .ci/run), not in this build.
            jvm::maven_package(source_dir, None, properties)?;
            std::fs::rename(source_dir.join("target").join(JAR), partial)
                .map_err(|err| format!("`mvn package` left no {JAR}: {err}"))
        })
        .map_err(Unavailable)
}
