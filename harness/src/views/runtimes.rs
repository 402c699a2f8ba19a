//! `execmodel runtimes`: every runtime this build knows, whether it is available here, and how
//! it is installed.

use std::fmt::Write as _;

use crate::corpus::registry::RUNTIMES;

pub fn render_text() -> String {
    let mut out = String::new();
    for entry in RUNTIMES {
        let runtime = (entry.make)();
        let status = match runtime.availability() {
            Ok(()) => format!("{} (available)", runtime.version()),
            Err(why) => format!("unavailable: {why}"),
        };
        let place = if entry.embedded { "in-process" } else { "out-of-process" };
        let _ = writeln!(out, "{:18} {place:15} {status}\n{:18} installed: {}", entry.name, "", entry.installed);
    }
    out
}
