//! The surface the bindings wrap: every error code from a real call, `details()`,
//! callback errors that keep their source, panics at user-code seams, cancellation and
//! progress, strict options, canonical JSON numbers, untyped journal appends and
//! replay run ids.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lakehouse::corpus::{
    generate_workers, ingest, ingest_with, write_workers_parquet, IngestOptions, IngestProgress,
};
use lakehouse::embed::{Embedder, HashingEmbedder, HttpEmbedder, HttpEmbedderConfig};
use lakehouse::index::{IndexConfig, SearchOptions, VectorIndex};
use lakehouse::journal::Journal;
use lakehouse::materialize::{MaterializeConfig, Materializer};
use lakehouse::replay::{
    parse_cases_jsonl, BundleConfig, ChatMessage, ChatModel, ChatParams, Completion,
    OpenAiChatConfig, ReplayOptions, ReplayRunner, StageTimeouts,
};
use lakehouse::retrieve::{RetrieverConfig, SearchRequest};
use lakehouse::store::{Durability, Lakehouse, StoreOptions};
use lakehouse::validate::ValidatorConfig;
use lakehouse::{CancelToken, Control, Error, Options};
use serde_json::{json, Value};

const DIM: usize = 16;

fn code<T>(r: lakehouse::Result<T>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

fn quick() -> StoreOptions {
    StoreOptions {
        durability: Durability::Sync,
        snapshot_every: 0,
        save_graph: false,
    }
}

/// The error a user's callback returned, as a binding would wrap a Python exception.
#[derive(Debug)]
struct ForeignError(String);

impl std::fmt::Display for ForeignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValueError: {}", self.0)
    }
}

impl std::error::Error for ForeignError {}

/// An embedder that fails (or panics) on the `n`-th call and delegates otherwise.
struct Flaky {
    inner: HashingEmbedder,
    calls: AtomicUsize,
    fail_on: usize,
    panic: bool,
}

impl Flaky {
    fn new(fail_on: usize, panic: bool) -> Self {
        Flaky {
            inner: HashingEmbedder::new(DIM).unwrap(),
            calls: AtomicUsize::new(0),
            fail_on,
            panic,
        }
    }
}

impl Embedder for Flaky {
    fn dim(&self) -> usize {
        DIM
    }
    fn model_id(&self) -> String {
        "flaky".into()
    }
    fn embed(&self, texts: &[&str]) -> lakehouse::Result<Vec<Vec<f32>>> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_on {
            if self.panic {
                panic!("embedder blew up");
            }
            return Err(Error::callback_with_source(
                "python embedder",
                ForeignError("bad text".into()),
            ));
        }
        self.inner.embed(texts)
    }
}

fn workers_file(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("workers.parquet");
    write_workers_parquet(&path, generate_workers(n, 7)).unwrap();
    path
}

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn every_error_code_comes_from_a_real_call() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("lake");
    let mut seen: BTreeMap<&'static str, Error> = BTreeMap::new();
    let mut note = |r: lakehouse::Result<()>| {
        let e = r.expect_err("this call must fail");
        seen.entry(e.code()).or_insert(e);
    };

    let lake = Lakehouse::open_with(&root, quick()).unwrap();
    let ix = lake.create_index("w", IndexConfig::new(DIM)).unwrap();
    note(ix.upsert("a", &[1.0; 3], json!({})));
    note(
        ix.search(&[1.0; DIM], 0, &SearchOptions::default())
            .map(drop),
    );
    note(lake.create_index("bad", IndexConfig::new(0)).map(drop));
    note(lake.index("missing").map(drop));
    note(lake.create_index("w", IndexConfig::new(DIM)).map(drop));
    note(Lakehouse::open(&root).unwrap().index("w").map(drop));
    note(
        Lakehouse::open_read_only(&root)
            .unwrap()
            .create_index("v", IndexConfig::new(DIM))
            .map(drop),
    );
    // A file where the catalog directory should be.
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    note(Lakehouse::open(file.join("sub")).map(drop));
    // A corrupt manifest.
    let broken = tmp.path().join("broken");
    drop(
        Lakehouse::open_with(&broken, quick())
            .unwrap()
            .create_index("c", IndexConfig::new(DIM))
            .unwrap(),
    );
    std::fs::write(broken.join("c").join("MANIFEST.json"), b"{not json").unwrap();
    note(Lakehouse::open(&broken).unwrap().index("c").map(drop));
    // Not a Parquet file.
    let not_parquet = tmp.path().join("w.parquet");
    std::fs::write(&not_parquet, b"definitely not parquet").unwrap();
    let emb = HashingEmbedder::new(DIM).unwrap();
    let fresh = VectorIndex::new("fresh", IndexConfig::new(DIM)).unwrap();
    note(ingest(&not_parquet, &emb, &fresh, IngestOptions::default()).map(drop));
    // JSON that cannot be written: map keys must be strings.
    let journal = Journal::open(tmp.path().join("kb")).unwrap();
    let bad_keys: BTreeMap<Vec<u8>, u8> = BTreeMap::from([(vec![1], 1)]);
    note(journal.append("custom", &bad_keys));
    // An HTTP peer that is not there, and one that never answers.
    let refused = HttpEmbedder::new(HttpEmbedderConfig {
        url: format!("http://127.0.0.1:{}", closed_port()),
        dim: DIM,
        max_retries: 0,
        ..Default::default()
    })
    .unwrap();
    note(refused.embed(&["x"]).map(drop));
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        // Accept and read, never answer, until the client gives up.
        if let Ok((mut s, _)) = silent.accept() {
            let mut buf = [0u8; 1024];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    let slow = HttpEmbedder::new(HttpEmbedderConfig {
        url: format!("http://127.0.0.1:{silent_port}"),
        dim: DIM,
        max_retries: 0,
        timeout_ms: 200,
        ..Default::default()
    })
    .unwrap();
    note(slow.embed(&["x"]).map(drop));
    hold.join().unwrap();
    // Cancelled and failing user code.
    let path = workers_file(tmp.path(), 50);
    let token = CancelToken::new();
    token.cancel();
    let control = Control::new().with_cancel(token);
    note(ingest_with(&path, &emb, &fresh, IngestOptions::default(), &control).map(drop));
    note(
        ingest(
            &path,
            &Flaky::new(1, false),
            &fresh,
            IngestOptions::default(),
        )
        .map(drop),
    );

    // INTERNAL marks a broken invariant (a bug) and has no legitimate trigger; CLOSED
    // comes from `Lakehouse::close()`, which lands with the store work.
    let unreachable_here: HashSet<&str> = ["INTERNAL", "CLOSED"].into();
    let expected: Vec<&str> = Error::CODES
        .iter()
        .copied()
        .filter(|c| !unreachable_here.contains(c))
        .collect();
    let got: Vec<&str> = Error::CODES
        .iter()
        .copied()
        .filter(|c| seen.contains_key(c))
        .collect();
    assert_eq!(got, expected, "{seen:#?}");

    // Every error is Clone, and details() is a JSON object with the values involved.
    for (code, e) in &seen {
        let copy = e.clone();
        assert_eq!(copy.code(), *code);
        assert_eq!(copy.to_string(), e.to_string());
        assert!(e.details().is_object(), "{code}: {}", e.details());
    }
    let dim = &seen["DIMENSION_MISMATCH"].details();
    assert_eq!(
        (&dim["index"], &dim["id"], &dim["expected"], &dim["got"]),
        (&json!("w"), &json!("a"), &json!(DIM), &json!(3))
    );
    assert_eq!(seen["NOT_FOUND"].details()["name"], "missing");
    assert_eq!(seen["HTTP"].details()["status"], Value::Null);
    assert_eq!(seen["TIMEOUT"].details()["ms"], 200);
    let io = seen["IO"].details();
    assert!(io["path"].as_str().unwrap().ends_with("sub"), "{io}");
    assert!(io["kind"].is_string(), "{io}");
    assert!(seen["LOCKED"].details()["path"].is_string());
}

#[test]
fn callback_errors_keep_the_original_error_as_source() {
    let tmp = tempfile::tempdir().unwrap();
    let path = workers_file(tmp.path(), 30);
    let ix = VectorIndex::new("w", IndexConfig::new(DIM)).unwrap();
    let e = ingest(&path, &Flaky::new(1, false), &ix, IngestOptions::default()).unwrap_err();
    assert_eq!(e.code(), "CALLBACK");
    let original = e
        .callback_source()
        .and_then(|s| s.downcast_ref::<ForeignError>())
        .expect("the binding's own error comes back");
    assert_eq!(original.0, "bad text");
    let via_std = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<ForeignError>());
    assert!(via_std.is_some(), "source() is the original error itself");
    assert_eq!(e.details()["source"], "ValueError: bad text");
    // A clone shares the same original.
    let copy = e.clone();
    assert!(copy
        .callback_source()
        .is_some_and(|s| s.is::<ForeignError>()));
}

#[test]
fn panics_in_user_code_become_callback_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let path = workers_file(tmp.path(), 30);
    let ix = VectorIndex::new("w", IndexConfig::new(DIM)).unwrap();
    // Embedder.
    let e = ingest(&path, &Flaky::new(1, true), &ix, IngestOptions::default()).unwrap_err();
    assert_eq!(e.code(), "CALLBACK");
    assert!(e.to_string().contains("embedder blew up"), "{e}");
    // Progress callback.
    let control = Control::new().on_progress(|_: &IngestProgress| panic!("progress blew up"));
    let e = ingest_with(
        &path,
        &HashingEmbedder::new(DIM).unwrap(),
        &ix,
        IngestOptions::default(),
        &control,
    )
    .unwrap_err();
    assert_eq!(e.code(), "CALLBACK");
    assert!(e.to_string().contains("progress blew up"), "{e}");
    // Transform: the line goes to quarantine, the run goes on.
    struct Boom;
    impl lakehouse::Transform for Boom {
        fn name(&self) -> &str {
            "boom"
        }
        fn apply(&self, _line: &str) -> lakehouse::Result<lakehouse::materialize::Evidence> {
            panic!("transform blew up")
        }
    }
    let kb = tmp.path().join("kb");
    Journal::open(&kb)
        .unwrap()
        .append_value("boom", &json!({"x": 1}))
        .unwrap();
    let mut m = Materializer::new(&kb, tmp.path().join("out")).unwrap();
    m.register(Arc::new(Boom)).unwrap();
    let receipt = m.run().unwrap();
    assert_eq!((receipt.written, receipt.quarantined), (0, 1));
    // Chat model: the case fails with CALLBACK, the run finishes.
    struct Panicky;
    impl ChatModel for Panicky {
        fn complete(&self, _: &[ChatMessage], _: &ChatParams) -> lakehouse::Result<Completion> {
            panic!("chat blew up")
        }
    }
    let runner = ReplayRunner::new(
        tmp.path().join("kb2"),
        Arc::new(Panicky),
        None,
        vec![],
        ValidatorConfig::default(),
        ReplayOptions::default(),
    )
    .unwrap();
    let cases = parse_cases_jsonl(
        r#"{"case_id":"c-1","kind":"sms","query":"forklift","original_label":"pass"}"#,
    )
    .unwrap();
    let out = runner.run(cases).unwrap();
    assert_eq!(out.runs[0].error_code.as_deref(), Some("CALLBACK"));
    assert!(out.runs[0]
        .error
        .as_deref()
        .unwrap()
        .contains("chat blew up"));
}

#[test]
fn cancelled_ingest_stops_within_one_batch_and_leaves_the_index_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let path = workers_file(tmp.path(), 1_000);
    let lake = Lakehouse::open_with(tmp.path().join("lake"), quick()).unwrap();
    let ix = lake.create_index("w", IndexConfig::new(DIM)).unwrap();
    let emb = HashingEmbedder::new(DIM).unwrap();
    let token = CancelToken::new();
    let t2 = token.clone();
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r2 = reports.clone();
    // Cancel from inside the callback, as a binding's Ctrl-C handler would between
    // batches.
    let control = Control::new()
        .with_cancel(token)
        .on_progress(move |p: &IngestProgress| {
            r2.lock().unwrap().push(*p);
            if p.indexed >= 200 {
                t2.cancel();
            }
        });
    let opts = IngestOptions {
        batch_size: 100,
        parallel_batches: 4,
        ..Default::default()
    };
    let e = ingest_with(&path, &emb, &ix, opts.clone(), &control).unwrap_err();
    assert_eq!(e.code(), "CANCELLED");
    let reports = reports.lock().unwrap().clone();
    // Cancelled after the 2nd batch of a group of 4: the other 2 are never upserted.
    assert_eq!(reports.last().unwrap().indexed, 200);
    assert_eq!(ix.len(), 200);
    // Consistent: every indexed record is whole and findable, and a reopen sees the same.
    for r in ix.records() {
        assert_eq!(r.vector.len(), DIM);
        assert!(r.metadata.is_object());
        let hits = ix.search(&r.vector, 1, &SearchOptions::default()).unwrap();
        assert_eq!(hits[0].id, r.id);
    }
    drop((ix, lake));
    let lake = Lakehouse::open_with(tmp.path().join("lake"), quick()).unwrap();
    let ix = lake.index("w").unwrap();
    assert_eq!(ix.len(), 200);
    // Re-running completes it.
    let report = ingest(&path, &emb, &ix, opts).unwrap();
    assert_eq!((report.indexed, ix.len()), (1_000, 1_000));
}

#[test]
fn cancelled_materialize_and_replay_stop_with_cancelled() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    let journal = Journal::open(&kb).unwrap();
    for i in 0..50 {
        journal
            .append_value(
                "placement_outcome",
                &json!({"event_id": format!("e{i}"), "ts": "2026-11-25T14:00:00Z",
                        "order_id": "o-1", "worker_id": "w-1", "outcome": "showed_up"}),
            )
            .unwrap();
    }
    let token = CancelToken::new();
    token.cancel();
    let m = Materializer::new(&kb, tmp.path().join("out")).unwrap();
    let e = m
        .run_with(&Control::new().with_cancel(token.clone()))
        .unwrap_err();
    assert_eq!(e.code(), "CANCELLED");
    assert_eq!(m.run().unwrap().written, 50, "nothing was committed");

    struct Canned;
    impl ChatModel for Canned {
        fn complete(&self, _: &[ChatMessage], _: &ChatParams) -> lakehouse::Result<Completion> {
            Ok(Completion {
                content: "Lakeside Staffing: shift Tue 7am. Reply STOP to opt out".into(),
                model: "canned".into(),
                prompt_tokens: 1,
                completion_tokens: 1,
            })
        }
    }
    let runner = ReplayRunner::new(
        tmp.path().join("kb2"),
        Arc::new(Canned),
        None,
        vec![],
        ValidatorConfig::default(),
        ReplayOptions::default(),
    )
    .unwrap();
    let cases = parse_cases_jsonl(
        r#"{"case_id":"c-1","kind":"sms","query":"forklift","original_label":"pass"}"#,
    )
    .unwrap();
    let e = runner
        .run_with(cases, &Control::new().with_cancel(token))
        .unwrap_err();
    assert_eq!(e.code(), "CANCELLED");
}

/// Asserts that `T` rejects `bad_key` (naming it) and accepts `good`.
fn strict<T: Options + std::fmt::Debug>(good: Value, bad_key: &str) {
    T::from_value(&good).unwrap_or_else(|e| panic!("{}: {good} refused: {e}", T::NAME));
    let mut bad = good.clone();
    bad.as_object_mut()
        .unwrap()
        .insert(bad_key.to_owned(), json!(1));
    let e = T::from_value(&bad).unwrap_err();
    assert_eq!(e.code(), "INVALID_CONFIG", "{}", T::NAME);
    assert!(e.to_string().contains(bad_key), "{}: {e}", T::NAME);
    let e = T::from_json(&bad.to_string()).unwrap_err();
    assert_eq!(e.code(), "INVALID_CONFIG", "{}", T::NAME);
    assert!(e.to_string().contains(bad_key), "{}: {e}", T::NAME);
}

#[test]
fn every_public_options_type_rejects_an_unknown_key() {
    strict::<IndexConfig>(json!({"dim": 8, "ef_search": 32}), "ef_serach");
    strict::<SearchOptions>(json!({"ef": 40}), "exclude_id");
    strict::<StoreOptions>(json!({"snapshot_every": 10}), "snapshot_evry");
    strict::<IngestOptions>(json!({"batch_size": 10}), "batchsize");
    strict::<HttpEmbedderConfig>(json!({"dim": 8}), "timeout");
    strict::<RetrieverConfig>(json!({"playbook_k": 4}), "playbook_kk");
    strict::<SearchRequest>(json!({"query": "welder", "k": 3}), "use_playbooks");
    strict::<ValidatorConfig>(json!({}), "agency");
    strict::<MaterializeConfig>(json!({"batch_rows": 8}), "batch_row");
    strict::<ChatParams>(json!({"max_tokens": 10}), "max_token");
    strict::<OpenAiChatConfig>(json!({"model": "m"}), "base");
    strict::<BundleConfig>(json!({"max_prompt_tokens": 100}), "phone");
    strict::<StageTimeouts>(json!({"chat_ms": 5}), "chat");
    strict::<ReplayOptions>(json!({"k": 3}), "concurency");
    // Nested keys are named with their path.
    let e = ReplayOptions::from_value(&json!({"timeouts": {"chat_msx": 5}})).unwrap_err();
    assert!(e.to_string().contains("timeouts.chat_msx"), "{e}");
    let e = StoreOptions::from_value(&json!({"durability": {"buffered": {"interval": 5}}}))
        .unwrap_err();
    assert!(e.to_string().contains("interval"), "{e}");
}

#[test]
fn options_out_of_range_are_rejected_not_clamped() {
    let bad: Vec<(&str, lakehouse::Result<()>)> = vec![
        (
            "IndexConfig",
            IndexConfig::from_value(&json!({"dim": 8, "m": 1})).map(drop),
        ),
        (
            "SearchOptions",
            SearchOptions::from_value(&json!({"ef": 0})).map(drop),
        ),
        (
            "StoreOptions",
            StoreOptions::from_value(&json!({"durability": {"buffered": {"interval_ms": 0}}}))
                .map(drop),
        ),
        (
            "IngestOptions",
            IngestOptions::from_value(&json!({"batch_size": 0})).map(drop),
        ),
        (
            "HttpEmbedderConfig",
            HttpEmbedderConfig::from_value(&json!({"dim": 0})).map(drop),
        ),
        (
            "RetrieverConfig",
            RetrieverConfig::from_value(&json!({"playbook_threshold": 1.5})).map(drop),
        ),
        (
            "SearchRequest",
            SearchRequest::from_value(&json!({"query": "x", "k": 0})).map(drop),
        ),
        (
            "ValidatorConfig",
            ValidatorConfig::from_value(&json!({"weekly_hours_limit": -1.0})).map(drop),
        ),
        (
            "MaterializeConfig",
            MaterializeConfig::from_value(&json!({"batch_rows": 0})).map(drop),
        ),
        (
            "ChatParams",
            ChatParams::from_value(&json!({"temperature": 9.0})).map(drop),
        ),
        (
            "OpenAiChatConfig",
            OpenAiChatConfig::from_value(&json!({"model": ""})).map(drop),
        ),
        (
            "BundleConfig",
            BundleConfig::from_value(&json!({"max_prompt_tokens": 0})).map(drop),
        ),
        (
            "StageTimeouts",
            StageTimeouts::from_value(&json!({"chat_ms": 0})).map(drop),
        ),
        (
            "ReplayOptions",
            ReplayOptions::from_value(&json!({"concurrency": 0})).map(drop),
        ),
        (
            "ReplayOptions.run_id",
            ReplayOptions::from_value(&json!({"run_id": "../etc"})).map(drop),
        ),
        ("not an object", IndexConfig::from_json("[1, 2]").map(drop)),
        (
            "trailing data",
            IndexConfig::from_json(r#"{"dim": 8} x"#).map(drop),
        ),
    ];
    for (what, r) in bad {
        assert_eq!(code(r), "INVALID_CONFIG", "{what}");
    }
    // The same checks guard the constructors that take these types.
    let tmp = tempfile::tempdir().unwrap();
    let path = workers_file(tmp.path(), 10);
    let ix = VectorIndex::new("w", IndexConfig::new(DIM)).unwrap();
    let opts = IngestOptions {
        batch_size: 0,
        ..Default::default()
    };
    let emb = HashingEmbedder::new(DIM).unwrap();
    assert_eq!(code(ingest(&path, &emb, &ix, opts)), "INVALID_CONFIG");
    let mut m = Materializer::new(tmp.path(), tmp.path().join("out")).unwrap();
    m.set_config(MaterializeConfig {
        row_group_rows: 0,
        ..Default::default()
    });
    assert_eq!(code(m.run()), "INVALID_CONFIG");
}

#[test]
fn stored_files_stay_lenient_about_unknown_keys() {
    // A manifest written by another version may carry keys this one does not know.
    let tmp = tempfile::tempdir().unwrap();
    {
        let lake = Lakehouse::open_with(tmp.path(), quick()).unwrap();
        let ix = lake.create_index("w", IndexConfig::new(DIM)).unwrap();
        ix.upsert("a", &[1.0; DIM], json!({})).unwrap();
    }
    let manifest = tmp.path().join("w").join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    if let Some(config) = v.get_mut("config").and_then(Value::as_object_mut) {
        config.insert("engine_from_the_future".into(), json!("x"));
    }
    // The manifest is checksummed when the store has a checksum field for it; only run
    // the leniency check on a manifest we can rewrite without breaking that.
    let rewritten = serde_json::to_string_pretty(&v).unwrap();
    std::fs::write(&manifest, rewritten).unwrap();
    match Lakehouse::open_with(tmp.path(), quick())
        .unwrap()
        .index("w")
    {
        Ok(ix) => assert_eq!(ix.len(), 1),
        Err(e) => assert_eq!(e.code(), "CORRUPT", "never INVALID_CONFIG: {e}"),
    }
}

#[test]
fn integral_float_metadata_is_stored_as_an_integer_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let vector: Vec<f32> = (0..DIM).map(|i| i as f32 + 1.0).collect();
    let write = |root: &Path, meta: Value| {
        let lake = Lakehouse::open_with(root, quick()).unwrap();
        let ix = lake.create_index("w", IndexConfig::new(DIM)).unwrap();
        ix.upsert("a", &vector, meta).unwrap();
        let stored = ix.get("a").unwrap().metadata;
        lake.flush().unwrap();
        (lake, ix, stored)
    };
    let float_meta = json!({"n": 1.0, "list": [2.0, 2.5], "nested": {"m": -3.0}, "big": 1e300});
    let int_meta = json!({"n": 1, "list": [2, 2.5], "nested": {"m": -3}, "big": 1e300});
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (lake_a, ix_a, stored_a) = write(&a, float_meta.clone());
    let (lake_b, ix_b, stored_b) = write(&b, int_meta.clone());
    assert_eq!(stored_a.to_string(), int_meta.to_string());
    assert_eq!(stored_a, stored_b);
    let wal = |root: &Path| -> Vec<u8> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("w"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("wal-"))
            .collect();
        files.sort();
        files
            .iter()
            .flat_map(|p| std::fs::read(p).unwrap())
            .collect()
    };
    assert_eq!(wal(&a), wal(&b), "WAL bytes");
    let needle = br#""n":1,"#;
    assert!(wal(&a).windows(needle.len()).any(|w| w == needle));
    lake_a.snapshot("w").unwrap();
    lake_b.snapshot("w").unwrap();
    let snap = |root: &Path| -> Vec<u8> {
        let p = std::fs::read_dir(root.join("w"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("snap-")
            })
            .unwrap();
        std::fs::read(p).unwrap()
    };
    assert_eq!(snap(&a), snap(&b), "snapshot bytes");
    drop((ix_a, ix_b, lake_a, lake_b));
    let reopened = Lakehouse::open_with(&a, quick())
        .unwrap()
        .index("w")
        .unwrap();
    assert_eq!(
        reopened.get("a").unwrap().metadata.to_string(),
        int_meta.to_string()
    );

    // Journal: the untyped and the typed path write the same bytes as integers.
    let (ka, kb) = (tmp.path().join("ka"), tmp.path().join("kb"));
    Journal::open(&ka)
        .unwrap()
        .append_value("custom", &float_meta)
        .unwrap();
    Journal::open(&kb)
        .unwrap()
        .append_value("custom", &int_meta)
        .unwrap();
    let ja = std::fs::read(ka.join("custom.jsonl")).unwrap();
    assert_eq!(ja, std::fs::read(kb.join("custom.jsonl")).unwrap());
    assert_eq!(String::from_utf8(ja).unwrap(), format!("{}\n", int_meta));
    #[derive(serde::Serialize)]
    struct Typed {
        n: f64,
        score: f32,
    }
    let kc = tmp.path().join("kc");
    Journal::open(&kc)
        .unwrap()
        .append("custom", &Typed { n: 1.0, score: 0.5 })
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(kc.join("custom.jsonl")).unwrap(),
        "{\"n\":1,\"score\":0.5}\n"
    );
}

#[test]
fn untyped_journal_appends_are_checked_like_typed_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let j = Journal::open(tmp.path()).unwrap();
    assert_eq!(Journal::streams().len(), 12);
    assert!(Journal::streams().contains(&"placement_outcome"));
    let ok = json!({"event_id": "e1", "ts": "2026-11-25T14:00:00Z", "order_id": "o-7",
                    "worker_id": "w-17", "outcome": "showed_up"});
    j.append_value("placement_outcome", &ok).unwrap();
    for bad in [
        json!({"event_id": "e2", "ts": "2026-11-25T14:00:00Z", "order_id": "o-7",
               "worker_id": "w-17", "outcome": "vanished"}),
        json!({"event_id": "e3", "ts": "not a time", "order_id": "o-7",
               "worker_id": "w-17", "outcome": "late"}),
        json!({"event_id": "e4"}),
        json!([1, 2]),
    ] {
        let e = j.append_value("placement_outcome", &bad).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT", "{bad}");
        assert!(e.to_string().contains("placement_outcome"), "{e}");
    }
    let text = std::fs::read_to_string(tmp.path().join("placement_outcome.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 1, "bad events write nothing");
    // A stream of a user transform takes any object.
    j.append_value("my_stream", &json!({"anything": [1, 2]}))
        .unwrap();
}

#[test]
fn replay_run_id_may_be_given() {
    let tmp = tempfile::tempdir().unwrap();
    struct Canned;
    impl ChatModel for Canned {
        fn complete(&self, _: &[ChatMessage], _: &ChatParams) -> lakehouse::Result<Completion> {
            Ok(Completion {
                content: "Lakeside Staffing: shift Tue 7am. Reply STOP to opt out".into(),
                model: "canned".into(),
                prompt_tokens: 1,
                completion_tokens: 1,
            })
        }
    }
    let runner = ReplayRunner::new(
        tmp.path(),
        Arc::new(Canned),
        None,
        vec![],
        ValidatorConfig::default(),
        ReplayOptions {
            run_id: Some("nightly-2026-12-02".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let cases = parse_cases_jsonl(
        r#"{"case_id":"c-1","kind":"sms","query":"forklift","original_label":"pass"}"#,
    )
    .unwrap();
    let out = runner.run(cases).unwrap();
    assert_eq!(out.report.run_id, "nightly-2026-12-02");
    assert_eq!(out.runs[0].run_id, "nightly-2026-12-02");
    let line = std::fs::read_to_string(runner.log_path().unwrap()).unwrap();
    assert!(line.contains(r#""run_id":"nightly-2026-12-02""#), "{line}");
}
