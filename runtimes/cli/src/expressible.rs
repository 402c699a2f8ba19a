//! Which scenarios a command-line program can perform. A CLI runs a module as a whole in one
//! process that is gone afterwards, so a scenario maps to one invocation or not at all:
//! - `run` alone: run the module the CLI's own way;
//! - `instantiate` then one `call NAME`: the CLI's invoke option, where the table has one.

use execmodel_contract::StepKind;

use crate::table::Table;

pub fn expressible(table: &Table, steps: &[StepKind]) -> Result<(), String> {
    let program = &table.program;
    match steps {
        [StepKind::Run] => Ok(()),
        [StepKind::Instantiate, StepKind::Call(_)] if table.invoke.is_some() => Ok(()),
        [StepKind::Instantiate, call @ StepKind::Call(_)] => Err(format!(
            "needs `{}` after `instantiate`; {program} has no option to invoke a chosen export",
            describe(call)
        )),
        [StepKind::Instantiate] => {
            Err(format!("needs `instantiate` alone; {program} cannot instantiate a module without running it"))
        }
        [StepKind::Instantiate, StepKind::Call(called), next, ..] => Err(format!(
            "needs `{}` after `{}`; {program} invokes one export per process and the instance is gone afterwards",
            describe(next),
            describe(&StepKind::Call(called.clone()))
        )),
        [first @ (StepKind::Run | StepKind::Instantiate), next, ..] => Err(format!(
            "needs `{}` after `{}`; {program} runs a module only as a whole, in a process that is gone afterwards",
            describe(next),
            describe(first)
        )),
        [first, ..] => Err(format!("starts with `{}`; a scenario starts with `run` or `instantiate`", describe(first))),
        [] => Err("has no steps".to_string()),
    }
}

/// A step kind as the scenario language writes it.
fn describe(kind: &StepKind) -> String {
    match kind {
        StepKind::Instantiate => "instantiate".into(),
        StepKind::Run => "run".into(),
        StepKind::Call(name) if name == "_start" => "start".into(),
        StepKind::Call(name) if name == "_initialize" => "initialize".into(),
        StepKind::Call(name) => format!("call {name}"),
        StepKind::MemoryPages => "memory".into(),
        StepKind::MemoryAccess => "a memory read or write".into(),
    }
}
