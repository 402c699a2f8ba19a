//! Finding a JDK ≥ 21 and building the Java worker with it once per machine.

use std::path::PathBuf;
use std::sync::OnceLock;

use execmodel_contract::Unavailable;
use execmodel_worker::{jvm, WorkerBuild};

/// The worker's main sources and build, embedded so that the jar always matches this adapter.
const SOURCES: [(&str, &str); 9] = [
    ("pom.xml", include_str!("../worker/pom.xml")),
    (
        "src/main/resources/execmodel-graalwasm.properties",
        include_str!("../worker/src/main/resources/execmodel-graalwasm.properties"),
    ),
    (
        "src/main/java/execmodel/graalwasm/Main.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/Main.java"),
    ),
    (
        "src/main/java/execmodel/graalwasm/Worker.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/Worker.java"),
    ),
    (
        "src/main/java/execmodel/graalwasm/Probe.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/Probe.java"),
    ),
    (
        "src/main/java/execmodel/graalwasm/Values.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/Values.java"),
    ),
    (
        "src/main/java/execmodel/graalwasm/Capture.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/Capture.java"),
    ),
    (
        "src/main/java/execmodel/graalwasm/WasmInfo.java",
        include_str!("../worker/src/main/java/execmodel/graalwasm/WasmInfo.java"),
    ),
    ("README.md", include_str!("../worker/README.md")),
];
const JAR: &str = "execmodel-graalwasm-worker.jar";
/// GraalWasm 25 is compiled for Java 21.
const MIN_JAVA: u32 = 21;
const INSTALL: &str = "install a JDK ≥ 21 (e.g. Temurin 25) and Maven, or point EXECMODEL_GRAALWASM_JDK at one";

/// The built worker and the JDK that runs it.
#[derive(Clone)]
pub struct Built {
    pub java: PathBuf,
    pub java_major: u32,
    pub jar: PathBuf,
}

/// The built worker, building it on first use.
pub fn worker() -> Result<Built, Unavailable> {
    static WORKER: OnceLock<Result<Built, Unavailable>> = OnceLock::new();
    WORKER.get_or_init(build_once).clone()
}

fn build_once() -> Result<Built, Unavailable> {
    let (home, version, java_major) = find_jdk()?;
    let maven = jvm::maven_version(home.as_deref()).map_err(|why| Unavailable(format!("{why}: {INSTALL}")))?;
    let toolchain = format!("{version} / {maven}");
    let build = WorkerBuild { name: "graalwasm", sources: &SOURCES, toolchain: &toolchain, artifact: JAR };
    let jar = build
        .get_or_build(|source_dir, partial| {
            jvm::maven_package(source_dir, home.as_deref(), &[])?;
            std::fs::rename(source_dir.join("target").join(JAR), partial)
                .map_err(|err| format!("`mvn package` left no {JAR}: {err}"))
        })
        .map_err(Unavailable)?;
    let java = home.map_or_else(|| PathBuf::from("java"), |home| home.join("bin/java"));
    Ok(Built { java, java_major, jar })
}

/// The first JDK ≥ 21 among `$EXECMODEL_GRAALWASM_JDK`, `$JAVA_HOME`, `java` on PATH (home
/// `None`) and `/usr/lib/jvm/*` (newest name first), with its `java -version` line.
fn find_jdk() -> Result<(Option<PathBuf>, String, u32), Unavailable> {
    let mut homes: Vec<Option<PathBuf>> = Vec::new();
    for variable in ["EXECMODEL_GRAALWASM_JDK", "JAVA_HOME"] {
        if let Some(home) = std::env::var_os(variable) {
            homes.push(Some(PathBuf::from(home)));
        }
    }
    homes.push(None);
    if let Ok(entries) = std::fs::read_dir("/usr/lib/jvm") {
        let mut installed: Vec<PathBuf> = entries.filter_map(|entry| entry.ok()).map(|entry| entry.path()).collect();
        installed.sort();
        installed.reverse();
        homes.extend(installed.into_iter().map(Some));
    }
    let mut seen = Vec::new();
    for home in homes {
        let java = home.as_ref().map_or_else(|| PathBuf::from("java"), |home| home.join("bin/java"));
        match jvm::java_version(&java) {
            Ok((line, major)) if major >= MIN_JAVA => return Ok((home, line, major)),
            Ok((_, major)) => seen.push(format!("{} is Java {major}", java.display())),
            Err(_) => {}
        }
    }
    let found = if seen.is_empty() { "no JDK found".to_string() } else { seen.join(", ") };
    Err(Unavailable(format!("GraalWasm 25 needs Java ≥ {MIN_JAVA} ({found}): {INSTALL}")))
}
