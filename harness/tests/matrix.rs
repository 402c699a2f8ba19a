//! `cargo test`: one libtest trial per (runtime, module, scenario), named
//! `<runtime>::<lang>/<module>::<scenario>`, plus `classify::<lang>/<module>` per module.
//! Everything but the wiring to libtest-mimic lives in the `harness` library.

use std::process::ExitCode;
use std::sync::Arc;

use harness::suite::Suite;
use harness::trials::{self, Plan};
use libtest_mimic::{Arguments, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let suite = match Suite::load(&Suite::default_root()) {
        Ok(suite) => suite,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let plan = Arc::new(Plan::all_runtimes(suite));

    let mut list = Vec::new();
    for module in &plan.suite.modules {
        let plan = plan.clone();
        let index = plan.suite.modules.iter().position(|m| m.id == module.id).unwrap_or(0);
        list.push(Trial::test(trials::classification_trial_name(module), move || {
            trials::check_classification(&plan.suite.modules[index]).map_err(Into::into)
        }));
    }
    for trial in plan.trials() {
        let name = trial.name.clone();
        let ignored = trial.ignored.clone();
        let plan = plan.clone();
        let mut test = Trial::test(name, move || plan.run(&trial).into_result().map_err(Into::into));
        if let Some(reason) = ignored {
            test = test.with_ignored_flag(true).with_kind(reason);
        }
        list.push(test);
    }
    libtest_mimic::run(&args, list).exit_code()
}
