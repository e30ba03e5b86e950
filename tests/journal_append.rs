//! Journal appends from many threads and several processes at once: every line whole,
//! the count exact.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use lakehouse::journal::events::{new_event_id, JournalEvent, Outcome, PlacementOutcome};
use lakehouse::journal::Journal;
use serde_json::{json, Value};

const CHILD_ENV: &str = "LAKEHOUSE_JOURNAL_CHILD";

/// A line of `writer`'s `seq`-th event; some are large (up to ~70 KB) so writes span
/// many pages, where interleaving would show if it could happen.
fn event(writer: &str, seq: usize) -> Value {
    let pad = match seq % 50 {
        0 => 70_000,
        1..=5 => 5_000,
        _ => seq % 300,
    };
    json!({
        "event_id": new_event_id(), "ts": "2026-11-25T10:00:00Z",
        "writer": writer, "seq": seq, "note": "x".repeat(pad),
    })
}

fn append_many(kb: &Path, writer: &str, n: usize) {
    let j = Journal::open(kb).unwrap();
    for seq in 0..n {
        j.append_value("load_test", &event(writer, seq)).unwrap();
    }
}

/// Child side: appends `n` events as `writer`, then exits.
#[test]
fn append_child_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut it = spec.splitn(3, '|');
    let (kb, writer, n) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    append_many(Path::new(kb), writer, n.parse().unwrap());
}

fn check(kb: &Path, expected: &BTreeMap<String, usize>) {
    let text = std::fs::read_to_string(kb.join("load_test.jsonl")).unwrap();
    assert!(text.ends_with('\n'));
    let mut seen: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut lines = 0;
    for (i, line) in text.lines().enumerate() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {} torn: {e}", i + 1));
        let (w, seq) = (
            v["writer"].as_str().unwrap().to_owned(),
            v["seq"].as_u64().unwrap(),
        );
        assert_eq!(
            v["note"].as_str().unwrap(),
            event(&w, seq as usize)["note"],
            "line {}",
            i + 1
        );
        assert!(
            seen.entry(w).or_default().insert(seq),
            "duplicate line {}",
            i + 1
        );
        assert!(
            ids.insert(v["event_id"].as_str().unwrap().to_owned()),
            "event id reused"
        );
        lines += 1;
    }
    assert_eq!(lines, expected.values().sum::<usize>());
    for (w, n) in expected {
        assert_eq!(seen[w], (0..*n as u64).collect(), "writer {w}");
    }
}

#[test]
fn two_processes_and_eight_threads_append_to_one_stream() {
    let kb = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let per_process = 10_000;
    let children: Vec<_> = ["proc-a", "proc-b"]
        .iter()
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "append_child_entry", "--test-threads=1"])
                .env(
                    CHILD_ENV,
                    format!("{}|{w}|{per_process}", kb.path().display()),
                )
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Meanwhile this process appends from 8 threads: 4 share one handle, 4 open their own.
    let shared = Journal::open(kb.path()).unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let shared = shared.clone();
            let kb = kb.path();
            s.spawn(move || {
                let writer = format!("thread-{t}");
                if t % 2 == 0 {
                    for seq in 0..1500 {
                        shared.append_value("load_test", &event(&writer, seq)).unwrap();
                    }
                } else {
                    append_many(kb, &writer, 1500);
                }
            });
        }
    });
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut expected: BTreeMap<String, usize> =
        (0..8).map(|t| (format!("thread-{t}"), 1500)).collect();
    expected.insert("proc-a".into(), per_process);
    expected.insert("proc-b".into(), per_process);
    check(kb.path(), &expected);
}

#[test]
fn typed_record_goes_to_its_stream_and_reads_back() {
    let kb = tempfile::tempdir().unwrap();
    let j = Journal::open(kb.path()).unwrap();
    let e = PlacementOutcome {
        event_id: new_event_id(),
        ts: "2026-11-28T12:05:00Z".parse().unwrap(),
        order_id: "ord-5531".into(),
        worker_id: "w-01954".into(),
        shift_start: None,
        outcome: Outcome::NoShow,
        hours_worked: None,
        client_rating: Some(2),
        note: Some("no call, phone off".into()),
    };
    j.record(&e).unwrap();
    j.sync_all().unwrap();
    let text = std::fs::read_to_string(kb.path().join("placement_outcome.jsonl")).unwrap();
    let back: PlacementOutcome = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(back, e);
    assert_eq!(back.source_key(), e.event_id);
    assert!(text.contains("\"ts\":\"2026-11-28T12:05:00Z\""), "{text}");
    assert!(text.contains("\"outcome\":\"no_show\""), "{text}");
}

#[test]
fn bad_stream_names_and_non_objects_change_nothing() {
    let kb = tempfile::tempdir().unwrap();
    let j = Journal::open(kb.path()).unwrap();
    for bad in ["", "../x", "Search", "a/b", "a.b", "x\0"] {
        let err = j.append_value(bad, &json!({"a": 1})).unwrap_err();
        assert_eq!(err.code(), "INVALID_INPUT", "{bad:?}");
    }
    assert_eq!(
        j.append_value("search", &json!("text")).unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(std::fs::read_dir(kb.path()).unwrap().count(), 0);
}

#[test]
fn unicode_and_newlines_inside_values_stay_on_one_line() {
    let kb = tempfile::tempdir().unwrap();
    let j = Journal::open(kb.path()).unwrap();
    let v = json!({"body": "Hola José,\nturno mañana 6am\r\n\u{2028}ok 👍"});
    j.append_value("notes", &v).unwrap();
    let text = std::fs::read_to_string(kb.path().join("notes.jsonl")).unwrap();
    assert_eq!(text.matches('\n').count(), 1);
    assert_eq!(serde_json::from_str::<Value>(text.trim_end()).unwrap(), v);
}
