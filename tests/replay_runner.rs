//! The replay loop end to end against a chat server started by the test: verdicts and
//! errors per scenario, every case logged, the log valid against
//! `schemas/replay_run.v1.json`, regressions, dry runs, limits and 1,000 concurrent cases.

mod replay_common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use lakehouse::replay::{
    parse_cases_jsonl, ChatMessage, ChatModel, ChatParams, Completion, OpenAiChat,
    OpenAiChatConfig, ReplayCase, ReplayOptions, ReplayProgress, ReplayRun, ReplayRunner,
    StageTimeouts,
};
use lakehouse::validate::ValidatorConfig;
use lakehouse::{CancelToken, Control};
use replay_common::{job_order, roster, task, ChatServer, KeywordSearch};

fn chat(server: &ChatServer) -> Arc<OpenAiChat> {
    Arc::new(
        OpenAiChat::new(OpenAiChatConfig {
            base_url: server.url.clone(),
            model: "test-model".into(),
            read_timeout_ms: 400,
            max_retries: 2,
            backoff_base_ms: 1,
            backoff_max_ms: 20,
            ..Default::default()
        })
        .unwrap(),
    )
}

fn runner(kb: &Path, chat: Arc<dyn ChatModel>, options: ReplayOptions) -> ReplayRunner {
    let search = Arc::new(KeywordSearch::new(roster()));
    ReplayRunner::new(
        kb,
        chat,
        Some(search),
        roster(),
        ValidatorConfig::default(),
        options,
    )
    .unwrap()
}

/// One JSONL case line.
fn case(
    id: &str,
    kind: &str,
    scenario: &str,
    recipient: Option<&str>,
    label: Option<&str>,
) -> String {
    let mut v = serde_json::json!({
        "case_id": id,
        "kind": kind,
        "query": "forklift operator Dayton OH",
        "task": task(scenario, id),
        "recipient": recipient,
        "original_label": label,
    });
    if kind == "fill" {
        v["job_order"] = job_order(&format!("o-{id}"));
        v["recipient"] = serde_json::Value::Null;
    }
    v.to_string()
}

fn cases(lines: &[String]) -> Vec<ReplayCase> {
    parse_cases_jsonl(&lines.join("\n")).unwrap()
}

fn log_lines(kb: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(kb.join("replay_runs.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn or bad line {l:?}: {e}")))
        .collect()
}

fn assert_schema_valid(lines: &[serde_json::Value]) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/replay_run.v1.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for line in lines {
        let errors: Vec<String> = validator
            .iter_errors(line)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "line does not match replay_run.v1: {errors:?}\n{line}"
        );
        // The materializer reads the same stream with the journal's event type.
        let typed: Result<lakehouse::journal::events::ReplayRun, _> =
            serde_json::from_value(line.clone());
        assert!(
            typed.is_ok(),
            "journal::events::ReplayRun rejects {line}: {:?}",
            typed.err()
        );
    }
}

fn by_id(runs: &[ReplayRun]) -> BTreeMap<&str, &ReplayRun> {
    runs.iter().map(|r| (r.case_id.as_str(), r)).collect()
}

fn codes(run: &ReplayRun) -> Vec<&str> {
    run.verdict.error_codes()
}

#[test]
fn every_scenario_ends_with_the_right_verdict_or_error_and_is_logged() {
    let server = ChatServer::start();
    let kb = tempfile::tempdir().unwrap();
    let set = cases(&[
        case(
            "good-email",
            "email",
            "good_email",
            Some("w-1"),
            Some("pass"),
        ),
        case("good-sms", "sms", "good_sms", Some("w-2"), Some("pass")),
        case("ssn-email", "email", "ssn_email", Some("w-3"), Some("pass")),
        case("ssn-sms", "sms", "ssn_sms", Some("w-1"), Some("fail")),
        case("long-sms", "sms", "long_sms", Some("w-2"), Some("pass")),
        case("wrong-name", "sms", "wrong_name", Some("w-4"), None),
        case("fill-good", "fill", "fill:w-1,w-2", None, Some("pass")),
        case("fill-bad", "fill", "fill:w-7,w-8", None, Some("fail")),
        case(
            "fill-malformed",
            "fill",
            "malformed_fill",
            None,
            Some("pass"),
        ),
        case("slow", "sms", "slow", Some("w-1"), Some("pass")),
        case("error500", "sms", "error500", Some("w-1"), Some("pass")),
        case("flaky429", "sms", "flaky429", Some("w-5"), Some("pass")),
        case("garbage", "sms", "garbage", Some("w-1"), None),
        case(
            "unknown-recipient",
            "sms",
            "good_sms",
            Some("w-99"),
            Some("pass"),
        ),
    ]);
    let n = set.len();
    let out = runner(kb.path(), chat(&server), ReplayOptions::default())
        .run(set)
        .unwrap();
    let runs = by_id(&out.runs);
    assert_eq!(runs.len(), n);

    for id in ["good-email", "good-sms", "fill-good", "flaky429"] {
        assert!(
            runs[id].passed(),
            "{id}: {:?} {:?}",
            runs[id].verdict,
            runs[id].error
        );
        assert_eq!(runs[id].model, "test-model");
    }
    assert_eq!(codes(runs["ssn-email"]), ["PII_SSN"]);
    assert_eq!(codes(runs["ssn-sms"]), ["PII_SSN"]);
    assert_eq!(codes(runs["long-sms"]), ["SMS_TOO_LONG"]);
    assert_eq!(codes(runs["wrong-name"]), ["RECIPIENT_NAME_MISMATCH"]);
    let bad_fill = codes(runs["fill-bad"]);
    assert!(
        bad_fill.contains(&"FILL_WORKER_INACTIVE") && bad_fill.contains(&"FILL_LOCATION_MISMATCH"),
        "{bad_fill:?}"
    );
    assert_eq!(codes(runs["fill-malformed"]), ["REPLAY_MALFORMED_PROPOSAL"]);
    for (id, stage, code) in [
        ("slow", "chat", "TIMEOUT"),
        ("error500", "chat", "HTTP"),
        ("garbage", "chat", "HTTP"),
        ("unknown-recipient", "bundle", "NOT_FOUND"),
    ] {
        let r = runs[id];
        assert_eq!(r.error_code.as_deref(), Some(code), "{id}: {:?}", r.error);
        assert_eq!(r.error_stage.map(|s| s.as_str()), Some(stage), "{id}");
        assert!(!r.verdict.ok && !r.regression, "{id}");
    }

    let report = &out.report;
    assert_eq!(
        (report.cases, report.passed, report.failed, report.errors),
        (n, 4, 6, 4)
    );
    assert_eq!(
        report.regression_case_ids,
        ["fill-malformed", "long-sms", "ssn-email"]
    );
    assert_eq!(report.regressions, 3);
    assert_eq!(report.failures_by_code["PII_SSN"], 2);
    assert_eq!(report.errors_by_code["HTTP"], 2);
    assert_eq!(report.errors_by_code["TIMEOUT"], 1);
    assert_eq!(
        report.prompt_tokens,
        100 * 10,
        "server-reported usage of the 10 answered cases"
    );
    assert!(report.stage_latency_ms["chat"].count >= 10);

    // Every case — failed and errored ones too — is one valid log line.
    let lines = log_lines(kb.path());
    assert_eq!(lines.len(), n);
    let ids: HashSet<&str> = lines
        .iter()
        .map(|l| l["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), n);
    assert!(lines.iter().all(|l| l["run_id"] == report.run_id.as_str()));
    assert_schema_valid(&lines);
}

#[test]
fn regressions_follow_the_original_labels() {
    let server = ChatServer::start();
    let kb = tempfile::tempdir().unwrap();
    // (scenario, label) → regression?  Only "pass" cases that now fail count.
    let table = [
        ("good_sms", Some("pass"), false),
        ("good_sms", Some("fail"), false),
        ("good_sms", None, false),
        ("ssn_sms", Some("pass"), true),
        ("ssn_sms", Some("fail"), false),
        ("ssn_sms", None, false),
        ("long_sms", Some("pass"), true),
        ("wrong_name", Some("pass"), true),
        ("error500", Some("pass"), false),
        ("good_sms", Some("pass"), false),
    ];
    let lines: Vec<String> = table
        .iter()
        .enumerate()
        .map(|(i, (s, label, _))| case(&format!("r-{i}"), "sms", s, Some("w-1"), *label))
        .collect();
    let out = runner(kb.path(), chat(&server), ReplayOptions::default())
        .run(cases(&lines))
        .unwrap();
    let runs = by_id(&out.runs);
    for (i, (s, label, want)) in table.iter().enumerate() {
        let id = format!("r-{i}");
        assert_eq!(runs[id.as_str()].regression, *want, "{id} {s} {label:?}");
    }
    assert_eq!(out.report.regressions, 3);
    assert_eq!(
        out.report.fixed, 1,
        "the good draft labelled fail now passes"
    );
    let logged: usize = log_lines(kb.path())
        .iter()
        .filter(|l| l["regression"] == true)
        .count();
    assert_eq!(logged, 3);
}

fn options_dry() -> ReplayOptions {
    ReplayOptions {
        dry_run: true,
        ..Default::default()
    }
}

#[test]
fn progress_reports_every_case_and_can_cancel() {
    let server = ChatServer::start();
    let kb = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..40)
        .map(|i| case(&format!("p-{i}"), "sms", "good_sms", Some("w-1"), None))
        .collect();
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let s2 = seen.clone();
    let count = move |p: &ReplayProgress| {
        assert_eq!(p.total, 40);
        s2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    };
    let r = runner(
        kb.path(),
        chat(&server),
        ReplayOptions {
            concurrency: 2,
            ..Default::default()
        },
    );
    r.run_with(cases(&lines), &Control::new().on_progress(count))
        .unwrap();
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 40);

    let kb = tempfile::tempdir().unwrap();
    let r = runner(
        kb.path(),
        chat(&server),
        ReplayOptions {
            concurrency: 2,
            ..Default::default()
        },
    );
    let token = CancelToken::new();
    let t2 = token.clone();
    let stop = Control::new()
        .with_cancel(token)
        .on_progress(move |p: &ReplayProgress| {
            if p.done >= 5 {
                t2.cancel();
            }
        });
    let e = r.run_with(cases(&lines), &stop).unwrap_err();
    assert_eq!(e.code(), "CANCELLED");
    let logged = log_lines(kb.path()).len();
    assert!(
        (5..40).contains(&logged),
        "{logged} lines: finished cases stay logged, the rest never ran"
    );
}

#[test]
fn dry_run_bundles_without_chat_calls_or_log_lines() {
    let server = ChatServer::start();
    let kb = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..6)
        .map(|i| {
            case(
                &format!("d-{i}"),
                "sms",
                "good_sms",
                Some("w-1"),
                Some("pass"),
            )
        })
        .collect();
    let options = ReplayOptions {
        dry_run: true,
        ..Default::default()
    };
    let out = runner(kb.path(), chat(&server), options)
        .run(cases(&lines))
        .unwrap();
    assert_eq!(server.count(), 0, "a dry run makes no chat call");
    assert!(log_lines(kb.path()).is_empty());
    assert_eq!(out.runs.len(), 6);
    for r in &out.runs {
        assert!(r.dry_run && r.error.is_none() && !r.regression);
        assert_eq!(r.prompt_sha256.len(), 64);
        assert_eq!(r.retrieved_ids[0], "w-1", "recipient first");
        assert!(r.retrieved_ids.len() > 1, "retrieved cards are bundled");
        assert!(r.prompt_tokens.unwrap() > 0 && r.completion_tokens.is_none());
    }
    // Same case, same prompt: the hash pins prompt drift.
    let again = runner(kb.path(), chat(&server), options_dry())
        .run(cases(&lines[..1]))
        .unwrap();
    assert_eq!(again.runs[0].prompt_sha256, out.runs[0].prompt_sha256);
    assert_eq!(
        (out.report.passed, out.report.failed, out.report.errors),
        (0, 0, 0)
    );
}

#[test]
fn limit_budget_and_overrunning_models() {
    struct Sleepy;
    impl ChatModel for Sleepy {
        fn complete(&self, _m: &[ChatMessage], _p: &ChatParams) -> lakehouse::Result<Completion> {
            std::thread::sleep(std::time::Duration::from_millis(60));
            Ok(Completion {
                content: "Lakeside Staffing: Hi Ana. Reply STOP to opt out".into(),
                model: "sleepy".into(),
                prompt_tokens: 1,
                completion_tokens: 1,
            })
        }
    }
    struct Broken;
    impl ChatModel for Broken {
        fn complete(&self, _m: &[ChatMessage], _p: &ChatParams) -> lakehouse::Result<Completion> {
            Err(lakehouse::Error::callback("python raised ValueError"))
        }
    }
    let lines: Vec<String> = (0..5)
        .map(|i| case(&format!("l-{i}"), "sms", "x", Some("w-1"), Some("pass")))
        .collect();

    let kb = tempfile::tempdir().unwrap();
    let options = ReplayOptions {
        limit: Some(3),
        timeouts: StageTimeouts {
            chat_ms: 10,
            ..Default::default()
        },
        ..Default::default()
    };
    let out = runner(kb.path(), Arc::new(Sleepy), options)
        .run(cases(&lines))
        .unwrap();
    assert_eq!(out.runs.len(), 3);
    assert!(out
        .runs
        .iter()
        .all(|r| r.error_code.as_deref() == Some("TIMEOUT")));
    assert_eq!(log_lines(kb.path()).len(), 3);

    struct Panicky;
    impl ChatModel for Panicky {
        fn complete(&self, _m: &[ChatMessage], _p: &ChatParams) -> lakehouse::Result<Completion> {
            panic!("model bug")
        }
    }
    let kb = tempfile::tempdir().unwrap();
    let out = runner(kb.path(), Arc::new(Panicky), ReplayOptions::default())
        .run(cases(&lines))
        .unwrap();
    assert_eq!(out.report.errors_by_code["CALLBACK"], 5);
    assert!(out.runs[0].error.as_deref().unwrap().contains("model bug"));
    assert_eq!(log_lines(kb.path()).len(), 5);

    let kb = tempfile::tempdir().unwrap();
    let out = runner(kb.path(), Arc::new(Broken), ReplayOptions::default())
        .run(cases(&lines))
        .unwrap();
    assert_eq!(out.report.errors_by_code["CALLBACK"], 5);
    assert_schema_valid(&log_lines(kb.path()));

    // A budget too small for the retrieved cards drops the lowest-ranked ones.
    let kb = tempfile::tempdir().unwrap();
    let mut options = ReplayOptions {
        dry_run: true,
        ..Default::default()
    };
    let full = runner(kb.path(), Arc::new(Broken), options.clone())
        .run(cases(&lines[..1]))
        .unwrap();
    options.bundle.max_prompt_tokens = full.runs[0].prompt_tokens.unwrap() - 30;
    let cut = runner(kb.path(), Arc::new(Broken), options)
        .run(cases(&lines[..1]))
        .unwrap();
    let (a, b) = (&full.runs[0], &cut.runs[0]);
    assert!(!b.dropped_ids.is_empty());
    assert_eq!(
        b.retrieved_ids.len() + b.dropped_ids.len(),
        a.retrieved_ids.len()
    );
    assert_eq!(
        b.dropped_ids.last(),
        a.retrieved_ids.last(),
        "lowest-ranked dropped first"
    );

    let mut twice = cases(&lines[..1]);
    twice.push(twice[0].clone());
    let e = runner(kb.path(), Arc::new(Broken), ReplayOptions::default())
        .run(twice)
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");

    let bad = ReplayOptions {
        concurrency: 0,
        ..Default::default()
    };
    let e = ReplayRunner::new(
        kb.path(),
        Arc::new(Broken),
        None,
        roster(),
        ValidatorConfig::default(),
        bad,
    )
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_CONFIG");
}

#[test]
fn thousand_cases_at_concurrency_8_lose_and_duplicate_nothing() {
    let server = ChatServer::start();
    let kb = tempfile::tempdir().unwrap();
    let scenarios = [
        "good_sms",
        "ssn_sms",
        "long_sms",
        "good_email",
        "fill:w-1,w-2",
        "malformed_fill",
    ];
    let lines: Vec<String> = (0..1000)
        .map(|i| {
            let s = scenarios[i % scenarios.len()];
            let kind = match s {
                "good_email" => "email",
                _ if s.contains("fill") => "fill",
                _ => "sms",
            };
            case(&format!("k-{i:04}"), kind, s, Some("w-1"), Some("pass"))
        })
        .collect();
    let options = ReplayOptions {
        concurrency: 8,
        ..Default::default()
    };
    let r = runner(kb.path(), chat(&server), options);
    // A second runner appends to the same log at the same time.
    let other = {
        let r = r.clone();
        let extra = cases(
            &lines[..100]
                .iter()
                .map(|l| l.replace("\"k-", "\"x-"))
                .collect::<Vec<_>>(),
        );
        std::thread::spawn(move || r.run(extra).unwrap())
    };
    let out = r.run(cases(&lines)).unwrap();
    let other = other.join().unwrap();
    assert_eq!(out.runs.len(), 1000);
    assert_eq!(out.report.errors, 0, "{:?}", out.report.errors_by_code);
    // 1/6 good sms + 1/6 good email + 1/6 good fill pass.
    assert_eq!(out.report.passed, 500);

    let logged = log_lines(kb.path());
    assert_eq!(logged.len(), 1100);
    let mut keys = HashSet::new();
    for l in &logged {
        assert!(
            keys.insert((
                l["run_id"].as_str().unwrap().to_string(),
                l["case_id"].as_str().unwrap().to_string()
            )),
            "duplicate {l}"
        );
    }
    let mine = logged
        .iter()
        .filter(|l| l["run_id"] == out.report.run_id.as_str())
        .count();
    assert_eq!(mine, 1000);
    assert_eq!(logged.len() - mine, other.runs.len());
    assert_schema_valid(&logged[..50]);
}

#[test]
fn live_retriever_feeds_the_prompt() {
    use lakehouse::corpus::{generate_workers, ingest, write_workers_parquet, IngestOptions};
    use lakehouse::embed::HashingEmbedder;
    use lakehouse::index::{IndexConfig, VectorIndex};
    use lakehouse::retrieve::{Retriever, RetrieverConfig};

    let dir = tempfile::tempdir().unwrap();
    let workers: Vec<lakehouse::Worker> = generate_workers(300, 7).collect();
    let parquet = dir.path().join("workers.parquet");
    write_workers_parquet(&parquet, &workers).unwrap();
    let embedder = HashingEmbedder::new(64).unwrap();
    let index = VectorIndex::new("workers", IndexConfig::new(64)).unwrap();
    ingest(&parquet, &embedder, &index, IngestOptions::default()).unwrap();
    let playbooks = VectorIndex::new("playbook_memory", IndexConfig::new(64)).unwrap();
    let retriever = Retriever::new(
        Arc::new(embedder),
        index,
        playbooks,
        RetrieverConfig::default(),
    )
    .unwrap();

    let w = &workers[0];
    let line = serde_json::json!({
        "case_id": "live-1", "kind": "sms",
        "query": format!("{} {} {}", w.role, w.city, w.state),
        "task": task("good_sms", "live-1"), "recipient": w.worker_id, "original_label": "pass",
    })
    .to_string();
    let server = ChatServer::start();
    let kb = dir.path().join("kb");
    let options = ReplayOptions {
        k: 5,
        ..Default::default()
    };
    let runner = ReplayRunner::new(
        &kb,
        chat(&server),
        Some(Arc::new(retriever)),
        workers.clone(),
        ValidatorConfig::default(),
        options,
    )
    .unwrap();
    let out = runner.run(cases(&[line])).unwrap();
    let run = &out.runs[0];
    assert!(run.passed(), "{:?} {:?}", run.verdict, run.error);
    assert_eq!(run.retrieved_ids[0], w.worker_id);
    assert!(
        run.retrieved_ids.len() >= 5,
        "recipient + retrieved cards: {:?}",
        run.retrieved_ids
    );
    assert_schema_valid(&log_lines(&kb));
}

#[test]
fn evidence_in_replay_runs_out_and_back_into_evidence() {
    use lakehouse::journal::Journal;
    use lakehouse::materialize::Materializer;
    use lakehouse::replay::load_evidence_index;

    let kb = tempfile::tempdir().unwrap();
    let out = kb.path().join("out");
    let journal = Journal::open(kb.path()).unwrap();
    // Three recorded SMS drafts: two judged valid at the time, one invalid.
    for (i, (scenario, ok)) in [("good_sms", true), ("ssn_sms", true), ("good_sms", false)]
        .iter()
        .enumerate()
    {
        let id = format!("e-{i}");
        let event = serde_json::json!({
            "event_id": id, "ts": "2026-11-24T15:00:00Z", "worker_id": "w-1",
            "prompt": task(scenario, &id), "body": "…", "model": "old-model",
            "verdict": {"ok": ok, "violations": []}, "sent": true
        });
        journal.append_value("sms_draft", &event).unwrap();
    }
    let first = Materializer::new(kb.path(), &out).unwrap().run().unwrap();
    assert_eq!(first.quarantined, 0);

    let from_evidence = load_evidence_index(&out, vec![]).unwrap();
    assert_eq!(from_evidence.cases.len(), 3, "{:?}", from_evidence.skipped);
    let server = ChatServer::start();
    let outcome = runner(kb.path(), chat(&server), ReplayOptions::default())
        .run(from_evidence.cases)
        .unwrap();
    assert_eq!((outcome.report.passed, outcome.report.failed), (2, 1));
    assert_eq!(
        outcome.report.regressions, 1,
        "the SSN draft was valid originally"
    );
    assert_eq!(outcome.report.fixed, 1);

    // The replay log is itself journal input: every line materializes, none quarantined.
    let second = Materializer::new(kb.path(), &out).unwrap().run().unwrap();
    assert_eq!(second.quarantined, 0, "{second:?}");
    assert_eq!(second.transforms["replay_run"].written, 3);
}
