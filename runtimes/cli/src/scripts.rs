//! Helper scripts compiled into the crate and written to a temporary file when a table uses one.

#[derive(Debug)]
pub struct Script {
    pub name: &'static str,
    pub text: &'static str,
}

static SCRIPTS: &[Script] = &[Script { name: "node-wasi-run.mjs", text: include_str!("../node-wasi-run.mjs") }];

pub fn named(name: &str) -> Option<&'static Script> {
    SCRIPTS.iter().find(|script| script.name == name)
}

pub fn names() -> Vec<&'static str> {
    SCRIPTS.iter().map(|script| script.name).collect()
}
