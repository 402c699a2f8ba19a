//! `cargo test`: one libtest trial per (runtime, module, scenario), named
//! `<runtime>::<lang>/<module>::<scenario>`, plus `classify::<lang>/<module>` per module.
//! Everything but the wiring to libtest-mimic lives in the `harness` library.

use std::process::ExitCode;
use std::sync::Arc;

use harness::expectations::suite::Suite;
use harness::trials::{self, Plan};
use libtest_mimic::{Arguments, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    harness::trials::runner::quiet_caught_panics(false);
    let suite = match Suite::load(&harness::corpus::default_root()) {
        Ok(suite) => suite,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let plan = Arc::new(Plan::all_runtimes(suite).recording());

    let mut list = Vec::new();
    for index in 0..plan.suite.modules.len() {
        let plan = plan.clone();
        let name = trials::classification_trial_name(&plan.suite.modules[index]);
        list.push(Trial::test(name, move || {
            trials::check_classification(&plan.suite.modules[index]).map_err(Into::into)
        }));
    }
    for trial in plan.trials(&|name| selected_by_filter(&args, name)) {
        let ignored = trial.ignored.clone();
        let mut test = Trial::test(trial.name.clone(), {
            let plan = plan.clone();
            move || plan.run(&trial).into_result().map_err(Into::into)
        });
        if let Some(reason) = ignored {
            // The kind is shown as `[kind] name` in `--list`; runners such as nextest split list
            // lines at `: `, so the reason must not contain one.
            test = test.with_ignored_flag(true).with_kind(reason.replace(": ", " - "));
        }
        list.push(test);
    }
    let conclusion = libtest_mimic::run(&args, list);
    // Under nextest every trial is a process of its own: one line each would be noise.
    if std::env::var_os("NEXTEST").is_none() {
        if let Some(dir) = harness::trials::records::written_to() {
            eprintln!("trial records: {} (`execmodel report --from DIR --out OUT` renders them)", dir.display());
        }
    }
    conclusion.exit_code()
}

/// The positional filter as libtest applies it (libtest-mimic applies it again, with `--skip`);
/// applied early only so that unselected runtimes are never started.
fn selected_by_filter(args: &Arguments, name: &str) -> bool {
    match &args.filter {
        None => true,
        Some(filter) if args.exact => name == filter,
        Some(filter) => name.contains(filter.as_str()),
    }
}
