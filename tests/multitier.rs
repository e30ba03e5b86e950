//! The main job on a small corpus: 2,000 workers, every scenario at 0% failure, read back
//! from the JSON report the example writes, then a second run that must reopen the
//! persistent index instead of ingesting again.

#[path = "../examples/multitier/workload/mod.rs"]
#[allow(dead_code)]
mod workload;

use std::time::Duration;

fn config(dir: &std::path::Path, seconds: u64, fault_rate: f64) -> workload::Config {
    workload::Config {
        workers: 2_000,
        dim: 256,
        duration: Duration::from_secs(seconds),
        concurrency: 4,
        seed: 7,
        ef: 64,
        data_dir: dir.to_path_buf(),
        fault_rate,
        progress: false,
    }
}

fn run_and_read_json(config: &workload::Config) -> (serde_json::Value, workload::SetupReport) {
    let (env, setup) = workload::setup(config, &|_| {}).expect("setup");
    let report = workload::run(config, &env, &setup);
    let path = config.data_dir.join("report.json");
    workload::write_json(&report, &path).expect("write json");
    let text = std::fs::read_to_string(&path).expect("read json");
    (serde_json::from_str(&text).expect("valid JSON"), setup)
}

fn assert_zero_failures(json: &serde_json::Value) {
    let scenarios = json["scenarios"].as_object().expect("scenarios object");
    assert_eq!(scenarios.len(), 6, "all six scenarios reported: {json}");
    for (name, s) in scenarios {
        assert!(
            s["runs"].as_u64().unwrap_or(0) > 0,
            "{name} never ran: {json}"
        );
        assert_eq!(s["failures"].as_u64(), Some(0), "{name} failed: {s}");
        for key in ["p50_ms", "p95_ms", "p99_ms", "max_ms"] {
            assert!(s[key].as_f64().is_some(), "{name} lacks {key}");
        }
    }
    assert!(json["scenarios_per_sec"].as_f64().unwrap_or(0.0) > 0.0);
    assert_eq!(json["total_failures"].as_u64(), Some(0));
}

#[test]
fn small_corpus_runs_all_scenarios_without_failure_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), 6, 0.0);
    let (json, setup) = run_and_read_json(&cfg);
    assert!(setup.corpus_generated && !setup.index_opened);
    assert_zero_failures(&json);
    assert_eq!(json["footprint"]["workers_indexed"].as_u64(), Some(2_000));
    assert!(json["footprint"]["playbooks"].as_u64().unwrap_or(0) > 0);

    // Second run: the corpus and the index are reused, not rebuilt.
    let cfg = config(dir.path(), 2, 0.0);
    let (json, setup) = run_and_read_json(&cfg);
    assert!(!setup.corpus_generated && setup.index_opened, "{setup:?}");
    assert_zero_failures(&json);
}

// Needs the graph's fault hook; the README's test command enables every feature.
#[cfg(feature = "fault-injection")]
#[test]
fn injected_graph_panics_do_not_fail_any_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), 4, 0.05);
    let (json, _) = run_and_read_json(&cfg);
    assert_zero_failures(&json);
    assert!(
        json["footprint"]["recovered_panics"].as_u64().unwrap_or(0) > 0,
        "fault injection at 5% recovered no panic: {}",
        json["footprint"]
    );
}
