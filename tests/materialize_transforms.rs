//! Every built-in transform on a realistic event, against a checked-in golden record;
//! what the code writes (events, records) validated against the JSON Schemas.
//!
//! Regenerate the goldens after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --all-features --test materialize_transforms`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lakehouse::journal::Journal;
use lakehouse::materialize::{read_evidence, Evidence, EvidenceKind, Materializer, Transform};
use serde_json::{json, Value};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// (transform, stream, one realistic journal line).
fn cases() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "search",
            "search",
            json!({
            "event_id": "01938a1c2f4e7b3d9a0c", "ts": "2026-11-25T13:02:11.482Z",
            "query": "forklift operator, Joliet IL, night shift, OSHA 10", "index": "workers", "k": 3,
            "filter": {"field": "certifications", "eq": "forklift"}, "exclude_ids": ["w-10442"],
            "results": [{"id": "w-20871", "score": 0.912}, {"id": "w-33310", "score": 0.887}, {"id": "w-01954", "score": 0.861}],
            "order_id": "ord-5531", "cache_hit": false, "latency_ms": 14, "user": "maria.g"}),
        ),
        (
            "email_draft",
            "email_draft",
            json!({
            "event_id": "01938a1c31aa", "ts": "2026-11-25T13:03:40Z", "worker_id": "w-20871", "order_id": "ord-5531",
            "template": null, "model": "llama3.1:8b",
            "prompt": "Write a short email inviting Dana to a night forklift shift at Acme Joliet, $21/h.",
            "subject": "Night forklift shift at Acme Joliet - $21/h",
            "body": "Hi Dana,\n\nWe have a night forklift shift (10pm-6am) at Acme in Joliet this Friday, $21/h. Interested? Reply or call 555-123-4567.\n\nUnsubscribe: reply STOP\nBright Staffing, 12 Main St, Joliet IL",
            "prompt_tokens": 412, "completion_tokens": 96, "latency_ms": 1840,
            "verdict": {"ok": true, "violations": [{"code": "EMAIL_SUBJECT_TOO_LONG", "severity": "warning"}]}, "sent": true}),
        ),
        (
            "sms_draft",
            "sms_draft",
            json!({
            "event_id": "01938a1c33bb", "ts": "2026-11-25T13:04:02Z", "worker_id": "w-33310", "order_id": "ord-5531",
            "template": "shift_offer_v2",
            "body": "Bright Staffing: forklift shift Fri 10pm Acme Joliet $21/h. Reply YES to take it. Call 555-123-4567. Reply STOP to opt out",
            "segments": 1, "latency_ms": 2,
            "verdict": {"ok": false, "violations": [{"code": "PII_SSN", "severity": "error", "message": "looks like an SSN"}]}, "sent": false}),
        ),
        (
            "fill_proposal",
            "fill_proposal",
            json!({
            "event_id": "01938a1c40cc", "ts": "2026-11-25T13:10:00Z", "order_id": "ord-5531", "client": "Acme Logistics",
            "role": "forklift operator", "headcount": 3, "shift_start": "2026-11-28T04:00:00Z",
            "worker_ids": ["w-20871", "w-01954"], "rationale": "both certified, within 10 miles, no conflicts",
            "model": "llama3.1:8b", "prompt_tokens": 1310, "completion_tokens": 58, "latency_ms": 2210,
            "verdict": {"ok": false, "violations": [{"code": "FILL_HEADCOUNT_SHORT", "severity": "warning"}]}}),
        ),
        (
            "playbook_record",
            "playbook_record",
            json!({
            "event_id": "01938a1d0a01", "ts": "2026-11-29T15:30:00Z", "playbook_id": "pb-forklift-joliet-night",
            "query": "forklift operator, Joliet IL, night shift", "worker_ids": ["w-20871", "w-01954"],
            "order_id": "ord-5531", "note": "both showed up early; Acme asked for them again", "recorded_by": "maria.g"}),
        ),
        (
            "profile_swap",
            "profile_swap",
            json!({
            "event_id": "01938a1c2faa", "ts": "2026-11-25T13:02:45Z",
            "query": "forklift operator, Joliet IL, night shift, OSHA 10",
            "replaced_ids": ["w-33310"], "new_ids": ["w-44120"], "reason": "lives 40 miles away",
            "order_id": "ord-5531", "user": "maria.g"}),
        ),
        (
            "chat_call",
            "chat_call",
            json!({
            "event_id": "01938a1c31a9", "ts": "2026-11-25T13:03:38.2Z", "model": "llama3.1:8b", "purpose": "email_draft",
            "messages": [{"role": "system", "content": "You write short, friendly staffing emails."},
                         {"role": "user", "content": "Invite Dana to a night forklift shift at Acme Joliet, $21/h."}],
            "response": "Hi Dana, we have a night forklift shift...", "prompt_tokens": 412, "completion_tokens": 96,
            "latency_ms": 1838, "error": null, "order_id": "ord-5531", "worker_ids": ["w-20871"]}),
        ),
        (
            "replay_run",
            "replay_runs",
            json!({
            "schema": "replay_run.v1", "run_id": "rr-20261125-01", "case_id": "case-email-0042", "kind": "email",
            "ts": "2026-11-25T20:15:09Z", "model": "qwen2.5:7b", "retrieved_ids": ["w-20871", "w-01954"], "dropped_ids": [],
            "prompt_sha256": "9f2c1e4b7d0a5f3e8c6b2a1d4e7f0a3b6c9d2e5f8a1b4c7d0e3f6a9b2c5d8e1f",
            "prompt_tokens": 980, "completion_tokens": 120, "response": "Hi {{first_name}}, ...",
            "verdict": {"ok": false, "violations": [{"code": "PLACEHOLDER_UNRESOLVED", "severity": "error",
                "message": "template marker {{first_name}} left in the draft", "worker_id": "w-20871", "span": [3, 17]}]},
            "stage_ms": {"retrieve": 12, "bundle": 3, "chat": 2405, "validate": 1},
            "stage_us": {"retrieve": 12044, "bundle": 3120, "chat": 2405881, "validate": 1210},
            "original_label": "pass", "regression": true, "dry_run": false,
            "error": null, "error_stage": null, "error_code": null}),
        ),
        (
            "placement_outcome",
            "placement_outcome",
            json!({
            "event_id": "01938a1d0900", "ts": "2026-11-28T12:05:00Z", "order_id": "ord-5531", "worker_id": "w-01954",
            "shift_start": "2026-11-28T04:00:00Z", "outcome": "no_show", "hours_worked": null, "client_rating": null,
            "note": "no call, phone off"}),
        ),
        (
            "coordinator_edit",
            "coordinator_edit",
            json!({
            "event_id": "01938a1c3500", "ts": "2026-11-25T13:05:10Z", "draft_event_id": "01938a1c31aa", "channel": "email",
            "before": "Hi Dana, we have a night forklift shift at Acme...",
            "after": "Hi Dana, Acme asked for you again: night forklift shift Friday...",
            "editor": "maria.g", "reason": "mention the client asked for her", "worker_id": "w-20871", "order_id": "ord-5531"}),
        ),
        (
            "validator_override",
            "validator_override",
            json!({
            "event_id": "01938a1c3600", "ts": "2026-11-25T13:05:30Z", "subject_event_id": "01938a1c33bb", "validator": "sms",
            "codes": ["PII_SSN"], "original_ok": false, "override_ok": true,
            "justification": "555-123-4567 is our office phone, not an SSN", "coordinator": "maria.g",
            "order_id": "ord-5531", "worker_ids": ["w-33310"]}),
        ),
        (
            "ingest_batch",
            "ingest_batch",
            json!({
            "event_id": "01938a0f0000", "ts": "2026-11-25T06:00:42Z", "source": "ats_export/2026-11-25.csv",
            "index": "workers", "records_in": 1250, "upserted": 1247, "rejected": 3,
            "rejected_ids": ["w-90001", "w-90002", "w-90003"],
            "errors": ["vector for id 'w-90001' has 384 values, index 'workers' expects 768"], "duration_ms": 8123}),
        ),
    ]
}

fn validator(rel: &str) -> Option<jsonschema::Validator> {
    let text = std::fs::read_to_string(root().join("schemas").join(rel)).ok()?;
    let schema: Value = serde_json::from_str(&text).unwrap();
    Some(jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {rel}: {e}")))
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance:#}");
}

#[test]
fn every_builtin_transform_matches_its_golden_record() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let journal = Journal::open(kb.path()).unwrap();
    for (_, stream, event) in cases() {
        journal.append_value(stream, &event).unwrap();
    }
    let m = Materializer::new(kb.path(), out.path()).unwrap();
    assert_eq!(m.transform_names().len(), 12);
    let receipt = m.run().unwrap();
    assert_eq!(
        (receipt.written, receipt.quarantined),
        (12, 0),
        "{receipt:#?}"
    );
    let records = read_evidence(out.path()).unwrap();
    let record_schema = validator("evidence_record.v1.json").unwrap();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let golden_dir = root().join("tests/golden/materialize");
    for (transform, _, _) in cases() {
        let rec = records.iter().find(|r| r.transform == transform).unwrap();
        let got = serde_json::to_value(rec).unwrap();
        assert_valid(&record_schema, &got, transform);
        let path = golden_dir.join(format!("{transform}.json"));
        if update {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        }
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(got, want, "{transform} differs from {}", path.display());
    }
}

#[test]
fn journal_events_validate_against_their_schemas_and_bad_ones_do_not() {
    for (transform, stream, event) in cases() {
        let Some(v) = validator(&format!("events/{stream}.v1.json")).or_else(|| {
            // replay_run.v1 is owned by the replay module (schemas/replay_run.v1.json).
            (transform == "replay_run")
                .then(|| validator("replay_run.v1.json"))
                .flatten()
        }) else {
            assert_eq!(transform, "replay_run", "no schema for {stream}");
            continue;
        };
        assert_valid(&v, &event, stream);
        // A line the materializer quarantines is one the schema rejects too.
        let mut missing = event.clone();
        missing.as_object_mut().unwrap().remove("ts");
        assert!(!v.is_valid(&missing), "{stream} without ts");
        let mut wrong = event.clone();
        wrong["event_id"] = json!(17);
        assert!(!v.is_valid(&wrong), "{stream} with a numeric event_id");
    }
}

#[test]
fn typed_events_written_by_the_journal_validate() {
    use lakehouse::journal::events::*;
    let kb = tempfile::tempdir().unwrap();
    let j = Journal::open(kb.path()).unwrap();
    for (_, stream, event) in cases() {
        // Round trip through the typed struct, as a Rust service would write it.
        let line = event.to_string();
        let typed: Value = match stream {
            "search" => serde_json::to_value(serde_json::from_str::<Search>(&line).unwrap()),
            "email_draft" => {
                serde_json::to_value(serde_json::from_str::<EmailDraft>(&line).unwrap())
            }
            "sms_draft" => serde_json::to_value(serde_json::from_str::<SmsDraft>(&line).unwrap()),
            "fill_proposal" => {
                serde_json::to_value(serde_json::from_str::<FillProposal>(&line).unwrap())
            }
            "playbook_record" => {
                serde_json::to_value(serde_json::from_str::<PlaybookRecord>(&line).unwrap())
            }
            "profile_swap" => {
                serde_json::to_value(serde_json::from_str::<ProfileSwap>(&line).unwrap())
            }
            "chat_call" => serde_json::to_value(serde_json::from_str::<ChatCall>(&line).unwrap()),
            "replay_runs" => {
                serde_json::to_value(serde_json::from_str::<ReplayRun>(&line).unwrap())
            }
            "placement_outcome" => {
                serde_json::to_value(serde_json::from_str::<PlacementOutcome>(&line).unwrap())
            }
            "coordinator_edit" => {
                serde_json::to_value(serde_json::from_str::<CoordinatorEdit>(&line).unwrap())
            }
            "validator_override" => {
                serde_json::to_value(serde_json::from_str::<ValidatorOverride>(&line).unwrap())
            }
            "ingest_batch" => {
                serde_json::to_value(serde_json::from_str::<IngestBatch>(&line).unwrap())
            }
            other => panic!("unknown stream {other}"),
        }
        .unwrap();
        j.append_value(stream, &typed).unwrap();
        let written = std::fs::read_to_string(kb.path().join(format!("{stream}.jsonl"))).unwrap();
        let back: Value = serde_json::from_str(written.lines().last().unwrap()).unwrap();
        if let Some(v) = validator(&format!("events/{stream}.v1.json")) {
            assert_valid(&v, &back, stream);
        }
    }
}

struct ShiftReminder;

impl Transform for ShiftReminder {
    fn name(&self) -> &str {
        "shift_reminder"
    }
    fn stream(&self) -> &str {
        "reminders"
    }
    fn apply(&self, line: &str) -> lakehouse::Result<Evidence> {
        #[derive(serde::Deserialize)]
        struct R {
            event_id: String,
            ts: chrono::DateTime<chrono::Utc>,
            worker_id: String,
            confirmed: bool,
        }
        let r: R = lakehouse::materialize::parse_event(line)?;
        let mut ev = Evidence::new(r.event_id, r.ts, EvidenceKind::Outcome, "shift_reminder");
        ev.label = Some(if r.confirmed { "confirmed" } else { "silent" }.into());
        ev.worker_ids = vec![r.worker_id];
        Ok(ev)
    }
}

#[test]
fn custom_transform_can_be_registered() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let j = Journal::open(kb.path()).unwrap();
    j.append_value(
        "reminders",
        &json!({"event_id": "r1", "ts": "2026-11-27T18:00:00Z", "worker_id": "w-20871", "confirmed": true}),
    )
    .unwrap();
    j.append_value(
        "reminders",
        &json!({"event_id": "r2", "ts": "2026-11-27T18:00:00Z"}),
    )
    .unwrap();
    let mut m = Materializer::new(kb.path(), out.path()).unwrap();
    m.register(Arc::new(ShiftReminder)).unwrap();
    let r = m.run().unwrap();
    assert_eq!((r.written, r.quarantined), (1, 1));
    let rec = &read_evidence(out.path()).unwrap()[0];
    assert_eq!(
        (rec.transform.as_str(), rec.source_stream.as_str()),
        ("shift_reminder", "reminders")
    );
    assert_eq!(
        rec.id,
        lakehouse::materialize::evidence_id("shift_reminder", "r1")
    );
    assert_valid(
        &validator("evidence_record.v1.json").unwrap(),
        &serde_json::to_value(rec).unwrap(),
        "custom",
    );
}

#[test]
fn receipts_and_quarantine_entries_are_well_formed_json() {
    let (kb, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(kb.path().join("search.jsonl"), "{\"event_id\": 3}\n").unwrap();
    let r = Materializer::new(kb.path(), out.path())
        .unwrap()
        .run()
        .unwrap();
    let receipt: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("receipts/{}.json", r.run_id))).unwrap(),
    )
    .unwrap();
    assert_eq!(receipt["quarantined"], 1);
    assert_eq!(receipt["transforms"]["search"]["quarantined"], 1);
    assert_eq!(receipt["inputs"]["search"]["offset"], 16);
    if let Some(v) = validator("materialize_receipt.v1.json") {
        assert_valid(&v, &receipt, "receipt");
    }
}
