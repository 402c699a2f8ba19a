//! execmodel adapter for Chicory 1.7.5 (`com.dylibso.chicory`, a pure-Java runtime), embedded in
//! a Java worker program (`worker/`, on the worker protocol of `docs/worker-protocol.md`).
//!
//! The worker is built from its sources (embedded in this crate) with the machine's Maven and
//! JDK the first time a process needs it, into `target/execmodel-workers/chicory-<digest>/`, and
//! reused by every later process: not per trial. No `java` ≥ 17 or no `mvn` makes both Chicory
//! columns unavailable, with the reason and how to install them.
//!
//! # Steps (what the worker does; see `worker/README.md`)
//! - **Instantiate**: `Instance.builder(module).withImportValues(wasi).withStart(false).build()`:
//!   only the wasm start section runs.
//! - **Run**: Chicory's own default, the same builder without `withStart(false)`: `build()` calls
//!   `_start` when the module exports it (reported as an implicit call, seen through the machine
//!   factory, not assumed) and never `_initialize`
//!   (<https://github.com/dylibso/chicory/blob/1.7.5/runtime/src/main/java/com/dylibso/chicory/runtime/Instance.java>).
//! - **proc_exit** is `WasiExitException` with the guest's code, thrown for 0 as well.
//! - Traps: `TrapException`, `WasmRuntimeException` and Java's `StackOverflowError`, each
//!   classified by the worker; the guest runs on an 8 MiB-stack thread of its own per step,
//!   interrupted at the deadline.
//!
//! Three columns: `chicory` (the interpreter, Chicory's default), `chicory-compiler` (its
//! runtime compiler to JVM bytecode, `MachineFactoryCompiler`) and `chicory-1.7.3` (the
//! previous release Maven serves, interpreter only, for upgrade checks).

mod program;

use std::sync::Arc;

use execmodel_contract::{Runtime, Unavailable};
use execmodel_worker::{Backend, WorkerCommand, WorkerRuntime};

/// The engine a column runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Chicory's interpreter (its default machine).
    Interpreter,
    /// Chicory's runtime compiler to JVM bytecode.
    Compiler,
}

/// Which Chicory the worker is built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// 1.7.5 (`worker/pom.xml`).
    Current,
    /// 1.7.3, for upgrade checks: column `chicory-1.7.3`. Maven serves no compiler artefact
    /// for it, so it is built without one.
    Previous,
}

/// One column: a release and an engine. The previous release has only the interpreter, so
/// the variants are the three columns there are rather than every pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Current(Engine),
    PreviousInterpreter,
}

impl Column {
    fn release(self) -> Release {
        match self {
            Column::Current(_) => Release::Current,
            Column::PreviousInterpreter => Release::Previous,
        }
    }

    fn engine(self) -> Engine {
        match self {
            Column::Current(engine) => engine,
            Column::PreviousInterpreter => Engine::Interpreter,
        }
    }
}

pub struct ChicoryBackend {
    column: Column,
}

impl Backend for ChicoryBackend {
    fn name(&self) -> &'static str {
        match self.column {
            Column::Current(Engine::Interpreter) => "chicory",
            Column::Current(Engine::Compiler) => "chicory-compiler",
            Column::PreviousInterpreter => "chicory-1.7.3",
        }
    }

    fn probe(&self) -> Result<String, Unavailable> {
        let command = self.command().map_err(Unavailable)?;
        execmodel_worker::ask_version(&command, self.name())
    }

    fn command(&self) -> Result<WorkerCommand, String> {
        let jar = program::worker_jar(self.column.release()).map_err(|why| why.0)?;
        let engine = match self.column.engine() {
            Engine::Interpreter => "--engine=interpreter",
            Engine::Compiler => "--engine=compiler",
        };
        let args = [
            // A worker holds one guest at a time; the serial collector starts fastest and keeps
            // a JVM per worker small. The heap leaves room for the 64 MiB guest memory cap.
            "-XX:+UseSerialGC",
            "-Xmx1g",
            "-XX:TieredStopAtLevel=1",
            "-jar",
        ];
        let mut args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        args.push(jar.to_string_lossy().into_owned());
        args.push(engine.to_string());
        Ok(WorkerCommand {
            program: "java".into(),
            args,
            env_remove: vec!["JAVA_TOOL_OPTIONS".to_string()],
            env: Vec::new(),
            script: None,
            script_args: Vec::new(),
        })
    }
}

/// How the adapter starts a worker of this column (building it first if needed).
pub fn worker_command(column: Column) -> Result<WorkerCommand, String> {
    ChicoryBackend { column }.command()
}

pub fn runtime(column: Column) -> Arc<dyn Runtime> {
    Arc::new(WorkerRuntime::new(ChicoryBackend { column }))
}
