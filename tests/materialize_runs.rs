//! Materializer runs: idempotency, incremental reads, rewritten files, quarantine,
//! partial lines, a crash mid-run, and the evidence directory read back as one table.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use lakehouse::journal::events::{Outcome, PlacementOutcome, Search, SearchHit};
use lakehouse::journal::Journal;
use lakehouse::materialize::{
    read_evidence, EvidenceRecord, MaterializeConfig, MaterializeProgress, Materializer,
};
use lakehouse::{CancelToken, Control};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const CHILD_ENV: &str = "LAKEHOUSE_MATERIALIZE_CHILD";

/// Journals `n` events (searches and outcomes over three days), numbered from `from`.
fn journal_events(kb: &Path, from: usize, n: usize) {
    let j = Journal::open(kb).unwrap();
    for i in from..from + n {
        let ts = Utc
            .with_ymd_and_hms(2026, 11, 23 + (i % 3) as u32, 8 + (i % 10) as u32, 0, 0)
            .unwrap();
        if i % 2 == 0 {
            j.record(&Search {
                event_id: format!("s-{i}"),
                ts,
                query: format!("forklift operator night shift #{i}"),
                index: "workers".into(),
                k: 2,
                filter: None,
                exclude_ids: vec![],
                results: vec![
                    SearchHit {
                        id: format!("w-{i}"),
                        score: 0.9,
                    },
                    SearchHit {
                        id: format!("w-{}", i + 1),
                        score: 0.8,
                    },
                ],
                order_id: Some(format!("o-{}", i / 10)),
                cache_hit: false,
                latency_ms: Some(3),
                user: None,
            })
            .unwrap();
        } else {
            j.record(&PlacementOutcome {
                event_id: format!("p-{i}"),
                ts,
                order_id: format!("o-{}", i / 10),
                worker_id: format!("w-{i}"),
                shift_start: None,
                outcome: if i % 7 == 0 {
                    Outcome::NoShow
                } else {
                    Outcome::ShowedUp
                },
                hours_worked: Some(8.0),
                client_rating: None,
                note: None,
            })
            .unwrap();
        }
    }
}

fn by_id(records: Vec<EvidenceRecord>) -> BTreeMap<String, EvidenceRecord> {
    let n = records.len();
    let m: BTreeMap<_, _> = records.into_iter().map(|r| (r.id.clone(), r)).collect();
    assert_eq!(m.len(), n, "duplicate ids in the evidence index");
    m
}

#[test]
fn rerun_is_idempotent_and_appends_are_incremental() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 300);
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    let r1 = m.run().unwrap();
    assert_eq!(
        (r1.written, r1.duplicates_skipped, r1.quarantined),
        (300, 0, 0)
    );
    assert_eq!(r1.parts.len(), 3, "one part per day");
    let r2 = m.run().unwrap();
    assert_eq!(
        (r2.written, r2.duplicates_skipped, r2.quarantined),
        (0, 0, 0)
    );
    assert!(r2.parts.is_empty());
    assert_eq!(r2.inputs["search"].start_offset, r1.inputs["search"].offset);
    assert!(out
        .path()
        .join(format!("receipts/{}.json", r2.run_id))
        .exists());

    journal_events(kb.path(), 300, 50);
    let r3 = m.run().unwrap();
    assert_eq!(r3.written, 50);
    assert_eq!(
        r3.transforms["search"].lines_read, 25,
        "only the appended lines are read"
    );
    assert_eq!(r3.transforms["placement_outcome"].lines_read, 25);
    let all = by_id(read_evidence(out.path()).unwrap());
    assert_eq!(all.len(), 350);
}

#[test]
fn rewritten_or_truncated_file_is_reread_from_zero_without_duplicates() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 100);
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    m.run().unwrap();
    // Same length, different bytes: flip one character of the first line.
    let p = kb.path().join("search.jsonl");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, text.replacen("night shift #0\"", "night shift #X\"", 1)).unwrap();
    let r = m.run().unwrap();
    assert!(r.inputs["search"].rewritten);
    assert_eq!(r.inputs["search"].start_offset, 0);
    assert_eq!((r.written, r.duplicates_skipped), (0, 50));
    // Truncated: keep half the lines, then add new ones.
    let lines: Vec<&str> = text.lines().take(10).collect();
    fs::write(&p, lines.join("\n") + "\n").unwrap();
    journal_events(kb.path(), 1000, 4);
    let r = m.run().unwrap();
    assert!(r.inputs["search"].rewritten);
    assert_eq!((r.written, r.duplicates_skipped), (4, 10));
    assert_eq!(by_id(read_evidence(out.path()).unwrap()).len(), 104);
}

#[test]
fn bad_lines_are_quarantined_and_partial_line_is_read_once_complete() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 4);
    let p = kb.path().join("placement_outcome.jsonl");
    let good = r#"{"event_id":"late-1","ts":"2026-11-25T09:00:00Z","order_id":"o1","worker_id":"w1","outcome":"late"}"#;
    let mut body = fs::read_to_string(&p).unwrap();
    body.push_str("{not json\n");
    body.push_str(
        r#"{"event_id":"m1","ts":"2026-11-25T09:00:00Z","worker_id":"w1","outcome":"late"}"#,
    );
    body.push('\n');
    body.push_str(r#"{"event_id":"t1","ts":"2026-11-25T09:00:00Z","order_id":"o1","worker_id":7,"outcome":"late"}"#);
    body.push('\n');
    body.push_str(&good[..40]);
    fs::write(&p, &body).unwrap();
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    let r = m.run().unwrap();
    assert_eq!(r.written, 4);
    assert_eq!(r.quarantined, 4, "3 bad lines + the pending partial one");
    assert_eq!(r.inputs["placement_outcome"].pending_bytes, 40);
    let q = fs::read_to_string(out.path().join(r.quarantine_file.unwrap())).unwrap();
    let q: Vec<serde_json::Value> = q
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons: Vec<&str> = q.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].starts_with("invalid JSON"), "{reasons:?}");
    assert!(
        reasons[1].contains("missing field `order_id`"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("invalid type"), "{reasons:?}");
    assert!(reasons[3].starts_with("partial last line"), "{reasons:?}");
    assert_eq!(q[1]["line"], 4);
    assert!(q[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("placement_outcome.jsonl"));

    // The writer finishes its line: the next run reads it, once.
    fs::OpenOptions::new()
        .append(true)
        .open(&p)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, format!("{}\n", &good[40..]).as_bytes())
        })
        .unwrap();
    let r = m.run().unwrap();
    assert_eq!((r.written, r.quarantined), (1, 0));
    assert_eq!(m.run().unwrap().written, 0);
    let all = by_id(read_evidence(out.path()).unwrap());
    assert!(all
        .values()
        .any(|r| r.label.as_deref() == Some("late") && r.source_line == 6));
}

#[test]
fn second_materializer_on_same_output_is_refused_while_one_runs() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 20);
    let mut m = Materializer::new(kb.path(), out.path()).unwrap();
    m.set_config(MaterializeConfig {
        progress_every: 1,
        ..Default::default()
    });
    let (kb2, out2) = (kb.path().to_path_buf(), out.path().to_path_buf());
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = seen.clone();
    let control = Control::new().on_progress(move |_| {
        if !s2.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let other = Materializer::new(&kb2, &out2).unwrap();
            assert_eq!(other.run().unwrap_err().code(), "LOCKED");
        }
    });
    assert_eq!(m.run_with(&control).unwrap().written, 20);
    assert!(seen.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn cancelled_run_commits_nothing() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 100);
    let mut m = Materializer::new(kb.path(), out.path()).unwrap();
    m.set_config(MaterializeConfig {
        progress_every: 10,
        batch_rows: 4,
        ..Default::default()
    });
    let token = CancelToken::new();
    let t2 = token.clone();
    let control = Control::new()
        .with_cancel(token)
        .on_progress(move |p: &MaterializeProgress| {
            if p.lines_read >= 60 {
                t2.cancel();
            }
        });
    assert_eq!(m.run_with(&control).unwrap_err().code(), "CANCELLED");
    assert!(read_evidence(out.path()).unwrap().is_empty());
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    assert_eq!(m.run().unwrap().written, 100);
}

/// Child side of the crash test: a slow run the parent kills at a random moment.
#[test]
fn crash_child_entry() {
    let Ok(dirs) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (kb, out) = dirs.split_once('|').unwrap();
    let mut m = Materializer::new(kb, out).unwrap();
    m.set_config(MaterializeConfig {
        progress_every: 7,
        batch_rows: 16,
        row_group_rows: 32,
        ..Default::default()
    });
    let control = Control::new().on_progress(|_| std::thread::sleep(Duration::from_millis(2)));
    m.run_with(&control).unwrap();
}

#[test]
fn killed_run_leaves_nothing_and_next_run_equals_uninterrupted() {
    let kb = tempfile::tempdir().unwrap();
    journal_events(kb.path(), 0, 600);
    let reference = tempfile::tempdir().unwrap();
    Materializer::new(kb.path(), reference.path())
        .unwrap()
        .run()
        .unwrap();
    let expected = by_id(read_evidence(reference.path()).unwrap());
    assert_eq!(expected.len(), 600);

    let exe = std::env::current_exe().unwrap();
    let (mut killed_mid_run, mut cleaned_leftovers) = (0, 0);
    for (round, delay_ms) in [15u64, 60, 140, 260].into_iter().enumerate() {
        let out = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(
                CHILD_ENV,
                format!("{}|{}", kb.path().display(), out.path().display()),
            )
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms + rand_jitter(round)));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let receipts_before = fs::read_dir(out.path().join("receipts"))
            .map(|d| d.count())
            .unwrap_or(0);
        let r = Materializer::new(kb.path(), out.path())
            .unwrap()
            .run()
            .unwrap();
        let got = by_id(read_evidence(out.path()).unwrap());
        assert_eq!(got, expected, "round {round} (child {status:?})");
        eprintln!(
            "round {round}: receipts before {receipts_before}, cleaned {:?}",
            r.cleaned_leftovers
        );
        if receipts_before == 0 {
            killed_mid_run += 1;
            cleaned_leftovers += usize::from(!r.cleaned_leftovers.is_empty());
            assert_eq!(r.written, 600);
        } else {
            assert_eq!(r.written, 0, "the child finished before the kill");
        }
        // Nothing but committed parts is left on disk.
        let parts = walk(&out.path().join("evidence"));
        assert!(
            parts
                .iter()
                .all(|p| !p.rsplit('/').next().unwrap().starts_with('.')),
            "{parts:?}"
        );
    }
    // The delays are chosen so most kills land mid-run on this machine; demand it.
    assert!(
        killed_mid_run >= 2 && cleaned_leftovers >= 1,
        "{killed_mid_run} {cleaned_leftovers}"
    );
}

fn rand_jitter(round: usize) -> u64 {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed + round as u64);
    rng.random_range(0..25)
}

fn walk(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            v.extend(walk(&e.path()));
        } else {
            v.push(e.path().display().to_string());
        }
    }
    v
}

#[test]
fn evidence_directory_reads_back_as_one_table_with_the_parquet_crate() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 90);
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    m.run().unwrap();
    journal_events(kb.path(), 90, 30);
    m.run().unwrap();
    let mut rows = 0;
    let mut days = std::collections::BTreeSet::new();
    let mut schema = None;
    for path in walk(&out.path().join("evidence")) {
        let day = path.split("day=").nth(1).unwrap()[..10].to_owned();
        let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let s = batch.schema();
            assert!(
                schema.get_or_insert(s.clone()) == &s,
                "every part has the same schema"
            );
            rows += batch.num_rows();
        }
        days.insert(day);
    }
    assert_eq!(rows, 120);
    assert_eq!(
        days.into_iter().collect::<Vec<_>>(),
        ["2026-11-23", "2026-11-24", "2026-11-25"]
    );
    let schema = schema.unwrap();
    assert_eq!(
        schema.fields().len(),
        lakehouse::materialize::parquet_schema().fields().len()
    );
    for r in read_evidence(out.path()).unwrap() {
        assert_eq!(r.day, r.ts.format("%Y-%m-%d").to_string());
    }
}

#[test]
fn crash_just_before_the_receipt_is_rolled_back_and_redone() {
    // The worst moment: parts renamed and ids appended, receipt not yet written.
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 60);
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    m.run().unwrap();
    let expected = by_id(read_evidence(out.path()).unwrap());
    journal_events(kb.path(), 60, 30);
    let r2 = m.run().unwrap();
    fs::remove_file(out.path().join(format!("receipts/{}.json", r2.run_id))).unwrap();
    assert_eq!(
        read_evidence(out.path()).unwrap().len(),
        60,
        "readers ignore the uncommitted run"
    );
    assert_eq!(by_id(read_evidence(out.path()).unwrap()), expected);
    let r3 = m.run().unwrap();
    assert_eq!(r3.written, 30);
    assert!(
        r3.cleaned_leftovers.iter().any(|p| p.contains(&r2.run_id)),
        "{:?}",
        r3.cleaned_leftovers
    );
    assert!(
        r3.cleaned_leftovers.iter().any(|p| p.contains("ids.bin")),
        "{:?}",
        r3.cleaned_leftovers
    );
    assert_eq!(r3.ids_len, 90 * 32);
    assert_eq!(by_id(read_evidence(out.path()).unwrap()).len(), 90);
}

#[test]
fn lost_id_file_is_rebuilt_from_the_parts() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    journal_events(kb.path(), 0, 40);
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    m.run().unwrap();
    fs::remove_file(out.path().join("_state/ids.bin")).unwrap();
    // Force a full re-read too: every record must be recognised as known.
    fs::write(
        kb.path().join("search.jsonl"),
        fs::read(kb.path().join("search.jsonl")).unwrap(),
    )
    .unwrap();
    let p = kb.path().join("placement_outcome.jsonl");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, text.replacen("\"w-", "\"W-", 1)).unwrap();
    let r = m.run().unwrap();
    assert!(
        r.cleaned_leftovers.iter().any(|c| c.contains("rebuilt")),
        "{:?}",
        r.cleaned_leftovers
    );
    assert_eq!((r.written, r.duplicates_skipped), (0, 20));
    assert_eq!(r.ids_len, 40 * 32);
    assert_eq!(by_id(read_evidence(out.path()).unwrap()).len(), 40);
}
