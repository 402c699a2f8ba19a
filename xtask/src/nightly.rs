//! `cargo xtask nightly`: rebuild the corpus where its toolchains exist, measure the lifecycle
//! costs, write the compatibility report with them into `reports/<date>/`, and check its HTML
//! page in a headless browser.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::corpus::Corpus;

/// Rebuild the corpus (languages whose toolchain is missing keep their committed modules), run
/// `bench lifecycle` and the whole matrix into `reports/<YYYY-MM-DD>/`, and load its index.html
/// in headless Chromium.
#[derive(Args)]
pub struct Nightly {
    /// Where to write the report (default: `reports/<today, UTC>`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the committed corpus instead of rebuilding it.
    #[arg(long)]
    no_rebuild: bool,
}

/// Check an already written report's index.html in headless Chromium, and leave a screenshot
/// of it beside it (`index.png`).
#[derive(Args)]
pub struct CheckHtml {
    /// The report directory (holding index.html and report.json).
    dir: PathBuf,
}

impl Nightly {
    pub fn run(self, root: &Path) -> Result<()> {
        if !self.no_rebuild {
            Corpus::rebuild_available(root)?;
        }
        let out = self.out.unwrap_or_else(|| root.join("reports").join(today()));
        let lifecycle = out.join("lifecycle.json");
        let arg = OsStr::new;
        execmodel(root, &[arg("bench"), arg("lifecycle"), arg("--json"), lifecycle.as_os_str()])?;
        execmodel(root, &[arg("report"), arg("--out"), out.as_os_str(), arg("--lifecycle"), lifecycle.as_os_str()])?;
        CheckHtml { dir: out }.run(root)
    }
}

impl CheckHtml {
    pub fn run(self, _root: &Path) -> Result<()> {
        let page = self
            .dir
            .join("index.html")
            .canonicalize()
            .with_context(|| format!("no index.html in {}", self.dir.display()))?;
        let Some(browser) = ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| on_path(b)) else {
            println!("skipped the browser check: no chromium on PATH (apt-get install -y chromium)");
            return Ok(());
        };
        let (dom, log) = load(browser, &format!("file://{}", page.display()))?;
        let console_errors: Vec<&str> =
            log.lines().filter(|line| line.contains("CONSOLE") || line.contains("Uncaught")).collect();
        if !console_errors.is_empty() {
            bail!("{} logged console errors:\n{}", page.display(), console_errors.join("\n"));
        }
        let cells = dom.matches("class=\"cell ").count();
        let report: serde_json::Value = std::fs::read_to_string(self.dir.join("report.json"))
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let trials = report["trials"].as_array().map_or(0, Vec::len);
        if cells == 0 || cells != trials {
            bail!("{} rendered {cells} matrix cells for {trials} trials", page.display());
        }
        // The question filter offers every question of the report, after "all".
        let questions = report["questions"].as_array().map_or(0, Vec::len);
        let offered = dom
            .split_once("id=\"question-filter\"")
            .and_then(|(_, rest)| rest.split_once("</select>"))
            .map_or(0, |(select, _)| select.matches("<option").count().saturating_sub(1));
        if offered != questions {
            bail!("{} offers {offered} questions to filter by, for {questions} in the report", page.display());
        }
        // The answers view: a cell per question and runtime column.
        let rows = report["answers"].as_array().map_or(0, Vec::len);
        let columns = report["answers"][0]["cells"].as_array().map_or(0, Vec::len);
        let answer_cells = dom.matches("<td class=\"answer ").count();
        if rows == 0 || answer_cells != rows * columns {
            bail!("{} shows {answer_cells} answer cells for {rows} questions × {columns} runtimes", page.display());
        }
        // A link that preselects a question (and a runtime, as an answer cell does) shows only
        // the trials answering it there.
        if let Some(question) = report["questions"][0]["id"].as_str() {
            let runtime = report["answers"][0]["cells"][0]["runtime"].as_str().unwrap_or_default();
            let answering = report["trials"].as_array().map_or(0, |trials| {
                trials
                    .iter()
                    .filter(|t| {
                        t["runtime"] == runtime
                            && t["questions"].as_array().is_some_and(|q| q.iter().any(|q| q == question))
                    })
                    .count()
            });
            let (filtered, _) =
                load(browser, &format!("file://{}#question={question}&runtime={runtime}", page.display()))?;
            let shown = filtered.matches("class=\"cell ").count();
            if shown != answering {
                bail!("{}#question={question}&runtime={runtime} shows {shown} cells for the {answering} trials answering it there", page.display());
            }
        }
        // One chart per runtime the lifecycle bench measured, one bar per measured step.
        let step_counts: Vec<usize> = report["lifecycle"]["runtimes"]
            .as_array()
            .map(|runtimes| {
                runtimes.iter().filter_map(|r| r["steps"].as_array().map(Vec::len)).filter(|&n| n > 0).collect()
            })
            .unwrap_or_default();
        let charts = dom.matches("<svg class=\"lifecycle-chart\"").count();
        let bars = dom.matches("<rect class=\"median\"").count();
        if charts != step_counts.len() || bars != step_counts.iter().sum::<usize>() {
            bail!(
                "{} shows {charts} lifecycle charts with {bars} bars for {} measured runtimes with {} steps",
                page.display(),
                step_counts.len(),
                step_counts.iter().sum::<usize>()
            );
        }
        let screenshot = self.dir.join("index.png");
        shoot(browser, &format!("file://{}", page.display()), &screenshot)?;
        println!(
            "{browser}: {} renders {answer_cells} answer cells, {cells} matrix cells, {offered} questions and {charts} lifecycle charts, no console errors; screenshot {}",
            page.display(),
            screenshot.display()
        );
        Ok(())
    }
}

/// The page's DOM after its scripts ran, and the browser's log.
fn load(browser: &str, url: &str) -> Result<(String, String)> {
    let output = headless(browser, url, &["--dump-dom"])?;
    Ok((String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned()))
}

/// The top of the page as a person sees it on a large screen, as a PNG.
fn shoot(browser: &str, url: &str, png: &Path) -> Result<()> {
    let output = headless(
        browser,
        url,
        &["--window-size=1600,1400", "--hide-scrollbars", &format!("--screenshot={}", png.display())],
    )?;
    if !png.is_file() {
        bail!("{browser} wrote no screenshot to {}:\n{}", png.display(), String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

fn headless(browser: &str, url: &str, what: &[&str]) -> Result<std::process::Output> {
    let profile = tempfile::tempdir()?;
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(what)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .with_context(|| format!("running {browser}"))
}

/// `cargo run -p harness -- ARGS` in `root`; fails unless it succeeds.
fn execmodel(root: &Path, args: &[&OsStr]) -> Result<()> {
    let words: Vec<_> = args.iter().map(|a| a.to_string_lossy()).take_while(|a| !a.starts_with('-')).collect();
    let what = words.join(" ");
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["run", "--quiet", "-p", "harness", "--"])
        .args(args)
        .status()
        .with_context(|| format!("running `cargo run -p harness -- {what}`"))?;
    if !status.success() {
        bail!("the {what} run failed ({status})");
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Today's date in UTC as YYYY-MM-DD, from the system clock (civil-from-days).
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
