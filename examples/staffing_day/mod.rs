//! A synthetic but realistic stream of staffing events, shared by the journal examples.
//! Not an example by itself (examples are listed explicitly in core/Cargo.toml).

use chrono::{DateTime, Duration, TimeZone, Utc};
use lakehouse::journal::events::*;
use lakehouse::journal::Journal;
use lakehouse::Result;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROLES: &[&str] = &[
    "forklift operator",
    "cna",
    "welder",
    "picker packer",
    "line cook",
    "security guard",
];
const CITIES: &[&str] = &[
    "Joliet IL",
    "Gary IN",
    "Aurora IL",
    "Naperville IL",
    "Elgin IL",
];

/// Journals `n` events spread evenly over `days` days starting 2026-11-01, with a
/// fixed `seed`. Event ids are `<prefix><i>`, so two calls with different prefixes
/// never collide.
pub fn journal_events(journal: &Journal, prefix: &str, n: u64, days: u32, seed: u64) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Utc
        .with_ymd_and_hms(2026, 11, 1, 6, 0, 0)
        .single()
        .unwrap_or_default();
    let span_ms = i64::from(days.max(1)) * 86_400_000;
    for i in 0..n {
        let ts =
            start + Duration::milliseconds((i as i64).saturating_mul(span_ms) / n.max(1) as i64);
        write_one(journal, &mut rng, prefix, i, ts)?;
    }
    Ok(())
}

fn worker(rng: &mut ChaCha8Rng) -> String {
    format!("w-{:05}", rng.random_range(0..100_000))
}

fn order(rng: &mut ChaCha8Rng) -> String {
    format!("ord-{:05}", rng.random_range(0..20_000))
}

fn write_one(
    j: &Journal,
    rng: &mut ChaCha8Rng,
    prefix: &str,
    i: u64,
    ts: DateTime<Utc>,
) -> Result<()> {
    let event_id = format!("{prefix}{i:09}");
    let role = ROLES[rng.random_range(0..ROLES.len())];
    let city = CITIES[rng.random_range(0..CITIES.len())];
    let query = format!(
        "{role}, {city}, {} shift",
        if rng.random_bool(0.3) { "night" } else { "day" }
    );
    let verdict = |rng: &mut ChaCha8Rng| {
        let ok = rng.random_bool(0.9);
        Some(RunVerdict {
            ok,
            violations: if ok {
                vec![]
            } else {
                vec![RunViolation {
                    code: "PLACEHOLDER_UNRESOLVED".into(),
                    severity: "error".into(),
                    message: String::new(),
                    span: None,
                    worker_id: None,
                }]
            },
        })
    };
    match rng.random_range(0..100) {
        0..30 => {
            let results = (0..5).map(|k| SearchHit { id: worker(rng), score: 0.95 - k as f32 * 0.03 }).collect();
            j.record(&Search { event_id, ts, query, index: "workers".into(), k: 5, filter: None, exclude_ids: vec![], results, order_id: Some(order(rng)), cache_hit: rng.random_bool(0.2), latency_ms: Some(rng.random_range(2..40)), user: Some("maria.g".into()) })
        }
        30..42 => j.record(&EmailDraft {
            event_id, ts, worker_id: worker(rng), order_id: Some(order(rng)), template: Some("shift_offer_email_v3".into()), model: None, prompt: None,
            subject: format!("{role} shift in {city}"),
            body: format!("Hi,\n\nWe have a {role} shift in {city} this week at $19/h. Reply to confirm or call 555-123-4567.\n\nUnsubscribe: reply STOP\nBright Staffing, 12 Main St, Joliet IL"),
            prompt_tokens: None, completion_tokens: None, latency_ms: Some(1), verdict: verdict(rng), sent: rng.random_bool(0.8),
        }),
        42..54 => j.record(&SmsDraft {
            event_id, ts, worker_id: worker(rng), order_id: Some(order(rng)), template: Some("shift_offer_sms_v2".into()), model: None, prompt: None,
            body: format!("Bright Staffing: {role} shift in {city}, $19/h. Reply YES to confirm. Call 555-123-4567. Reply STOP to opt out"),
            segments: Some(1), prompt_tokens: None, completion_tokens: None, latency_ms: Some(1), verdict: verdict(rng), sent: true,
        }),
        54..62 => {
            let worker_ids = (0..2).map(|_| worker(rng)).collect();
            j.record(&FillProposal { event_id, ts, order_id: order(rng), client: Some("Acme Logistics".into()), role: role.into(), headcount: 2, shift_start: Some(ts + Duration::days(2)), worker_ids, rationale: Some("certified, nearby, available".into()), model: Some("llama3.1:8b".into()), prompt_tokens: Some(rng.random_range(800..1600)), completion_tokens: Some(rng.random_range(30..90)), latency_ms: Some(rng.random_range(900..3000)), verdict: verdict(rng) })
        }
        62..74 => j.record(&ChatCall {
            event_id, ts, model: "llama3.1:8b".into(), purpose: "email_draft".into(),
            messages: vec![ChatMessage { role: "system".into(), content: "You write short staffing emails.".into() }, ChatMessage { role: "user".into(), content: format!("Invite a worker to a {query}.") }],
            response: format!("Hi! We have a {role} shift in {city}..."), prompt_tokens: Some(rng.random_range(200..600)), completion_tokens: Some(rng.random_range(50..150)),
            latency_ms: Some(rng.random_range(500..4000)), error: None, order_id: None, worker_ids: vec![worker(rng)],
        }),
        74..82 => {
            let outcome = match rng.random_range(0..10) { 0 => Outcome::NoShow, 1 => Outcome::Late, 2 => Outcome::CancelledByWorker, _ => Outcome::ShowedUp };
            j.record(&PlacementOutcome { event_id, ts, order_id: order(rng), worker_id: worker(rng), shift_start: Some(ts), outcome, hours_worked: Some(8.0), client_rating: Some(rng.random_range(1..6)), note: None })
        }
        82..87 => j.record(&CoordinatorEdit { event_id, ts, draft_event_id: format!("ev-{:09}", i.saturating_sub(3)), channel: "email".into(), before: format!("Hi, we have a {role} shift."), after: format!("Hi Dana, the client asked for you again: {role} shift."), editor: "maria.g".into(), reason: None, worker_id: Some(worker(rng)), order_id: None }),
        87..91 => j.record(&ProfileSwap { event_id, ts, query, replaced_ids: vec![worker(rng)], new_ids: vec![worker(rng)], reason: Some("too far".into()), order_id: Some(order(rng)), user: Some("maria.g".into()) }),
        91..94 => {
            let worker_ids = (0..3).map(|_| worker(rng)).collect();
            j.record(&PlaybookRecord { event_id, ts, playbook_id: format!("pb-{i}"), query, worker_ids, order_id: Some(order(rng)), note: Some("client asked for them again".into()), recorded_by: Some("maria.g".into()) })
        }
        94..96 => j.record(&ValidatorOverride { event_id, ts, subject_event_id: format!("ev-{:09}", i.saturating_sub(1)), validator: "sms".into(), codes: vec!["PII_SSN".into()], original_ok: false, override_ok: true, justification: "office phone number".into(), coordinator: "maria.g".into(), order_id: None, worker_ids: vec![] }),
        96..97 => j.record(&IngestBatch { event_id, ts, source: "ats_export.csv".into(), index: "workers".into(), records_in: 500, upserted: 498, rejected: 2, rejected_ids: vec![worker(rng), worker(rng)], errors: vec!["missing phone".into()], duration_ms: Some(rng.random_range(1000..9000)) }),
        _ => j.record(&ReplayRun {
            schema: "replay_run.v1".into(), run_id: format!("rr-{}", i / 1000), case_id: format!("{prefix}case-{i}"), ts, model: "qwen2.5:7b".into(),
            retrieved_ids: vec![worker(rng), worker(rng)], dropped_ids: vec![], prompt_sha256: format!("{:064x}", i), prompt_tokens: Some(900), completion_tokens: Some(110),
            response: "Hi, ...".into(), verdict: RunVerdict { ok: rng.random_bool(0.9), violations: vec![] },
            stage_ms: StageMs { retrieve: 10, bundle: 2, chat: rng.random_range(500..3000), validate: 1 }, stage_us: StageUs::default(), original_label: Some(Label::Pass), regression: rng.random_bool(0.05), error: None, error_stage: None, kind: CaseKind::Email, dry_run: false, error_code: None,
        }),
    }
}
