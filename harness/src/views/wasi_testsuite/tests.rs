use std::fs;
use std::path::PathBuf;

use super::*;
use crate::corpus::registry;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wasi-testsuite")
}

fn embedded() -> Vec<&'static RuntimeEntry> {
    ["wasmtime", "wasmi"].iter().map(|name| registry::find(name).unwrap()).collect()
}

fn outcomes(result: &RuntimeResult) -> Vec<(String, &'static str)> {
    result.dirs.iter().flat_map(|d| &d.tests).map(|t| (t.name.clone(), t.verdict.as_str())).collect()
}

#[test]
fn the_fixture_passes_on_the_embedded_runtimes_and_its_network_test_is_skipped() {
    let run = run(&fixture(), &embedded(), Limits::default(), &Default::default()).unwrap();
    assert_eq!(run.runtimes.len(), 2);
    for result in &run.runtimes {
        let expected =
            [("command_echo", "pass"), ("exit_code", "pass"), ("needs_sockets", "skip"), ("stdin_preopen", "pass")];
        let expected: Vec<_> = expected.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        assert_eq!(outcomes(result), expected, "{}: {:#?}", result.runtime, result.dirs);
    }
    assert_eq!(run.runtimes[0].dirs[0].name, "execmodel's own fixture [wasm32-wasip1]");
    let text = render_text(&run);
    assert!(text.contains("needs the sockets proposal(s)"), "{text}");
    // The guest's writes went to a copy: the fixture is unchanged.
    assert!(!fixture().join("root.dir/sandbox/out.txt").exists());
}

#[test]
fn a_wrong_expectation_fails_with_what_was_expected_and_what_came() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture().join("exit_code.wasm"), dir.path().join("exit_code.wasm")).unwrap();
    fs::write(
        dir.path().join("exit_code.json"),
        r#"{"env": {"EXIT_CODE": "7"}, "exit_code": 8, "stdout": "argv[0]=exit"}"#,
    )
    .unwrap();
    fs::write(dir.path().join("left.cleanup"), "from an earlier run").unwrap();
    let run = run(dir.path(), &embedded()[..1], Limits::default(), &Default::default()).unwrap();
    let test = &run.runtimes[0].dirs[0].tests[0];
    assert_eq!(test.verdict, Verdict::Fail);
    assert_eq!(test.failures, ["exit code: expected 8, got 7"]);
    assert!(run.any_failed());
    assert!(!dir.path().join("left.cleanup").exists(), "*.cleanup files are removed before the run");
}

#[test]
fn the_results_file_has_the_official_runners_shape() {
    let run = run(&fixture(), &embedded()[..1], Limits::default(), &Default::default()).unwrap();
    let json = results_json(&run);
    let entry = &json["results"][0];
    assert_eq!(entry["runtime"]["name"], "wasmtime");
    assert_eq!(
        (entry["passed"].as_u64(), entry["failed"].as_u64(), entry["skipped"].as_u64()),
        (Some(3), Some(0), Some(1))
    );
    assert_eq!(entry["tests"][2]["outcome"], "skip");
    assert_eq!(entry["tests"][2]["executed"], false);
    assert!(json["execution"]["start_timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_directory_without_tests_says_where_the_built_tests_are() {
    let dir = tempfile::tempdir().unwrap();
    let err = discover(dir.path()).unwrap_err().to_string();
    assert!(err.contains("prod/testsuite-base"), "{err}");
}

#[test]
fn an_expectation_file_turns_failures_into_xfail_and_stale_entries_into_xpass() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("manifest.json"), r#"{"name": "S"}"#).unwrap();
    for (test, exit_code) in [("right", 0), ("skipped", 0), ("wrong", 8)] {
        fs::copy(fixture().join("exit_code.wasm"), dir.path().join(format!("{test}.wasm"))).unwrap();
        fs::write(dir.path().join(format!("{test}.json")), format!(r#"{{"exit_code": {exit_code}}}"#)).unwrap();
    }
    let file = "[[suite]]\nname = \"S\"\n[[suite.test]]\nname = \"right\"\nexpected = \"fail\"\n\
                [[suite.test]]\nname = \"skipped\"\naction = \"skip\"\n[[suite.test]]\nname = \"wrong\"\nexpected = \"fail\"\n";
    let expectations =
        [("wasmtime".to_string(), Expectations::parse("wasmtime.toml", file).unwrap())].into_iter().collect();
    let run = run(dir.path(), &embedded(), Limits::default(), &expectations).unwrap();
    let verdicts = |i: usize| outcomes(&run.runtimes[i]).into_iter().map(|(_, v)| v).collect::<Vec<_>>();
    assert_eq!(verdicts(0), ["xpass", "skip", "xfail"], "the file is wasmtime's");
    assert_eq!(verdicts(1), ["pass", "pass", "fail"], "wasmi has none");
    assert!(run.runtimes[0].dirs[0].tests[0].failures[0].contains("wasmtime.toml expects it to fail"));
    let json = results_json(&run);
    assert_eq!((json["results"][0]["xfailed"].as_u64(), json["results"][0]["xpassed"].as_u64()), (Some(1), Some(1)));
    let err = super::run(dir.path(), &embedded()[1..], Limits::default(), &expectations).unwrap_err();
    assert!(err.to_string().contains("`wasmtime`, which is not among the runtimes"), "{err}");
}
