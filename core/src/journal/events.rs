//! The typed events of the 12 journal streams the materializer reads.
//!
//! Each type is one line of `<kb>/<STREAM>.jsonl`. Every event carries its time `ts`
//! (RFC 3339, UTC) and a key that identifies it for ever — `event_id` (a
//! [`new_event_id`] is fine), or for [`ReplayRun`] the pair (`run_id`, `case_id`) — so
//! materializing the same line twice yields the same evidence id. Unknown fields are
//! ignored when reading (older readers accept newer writers); missing required fields
//! and wrong types are errors. The JSON Schemas under `schemas/events/` describe the
//! same shapes.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What every journal event type provides to the journal and the materializer.
pub trait JournalEvent: Serialize + DeserializeOwned {
    /// The stream (journal file stem) this event type is appended to.
    const STREAM: &'static str;
    /// The key identifying this event across re-reads (evidence ids derive from it).
    fn source_key(&self) -> String;
    /// When the event happened (UTC).
    fn ts(&self) -> DateTime<Utc>;
}

/// The streams that have a typed event, in the order of this module.
pub const STREAMS: &[&str] = &[
    Search::STREAM,
    EmailDraft::STREAM,
    SmsDraft::STREAM,
    FillProposal::STREAM,
    PlaybookRecord::STREAM,
    ProfileSwap::STREAM,
    ChatCall::STREAM,
    ReplayRun::STREAM,
    PlacementOutcome::STREAM,
    CoordinatorEdit::STREAM,
    ValidatorOverride::STREAM,
    IngestBatch::STREAM,
];

/// Checks an untyped event the way a typed append checks it: `event` must be a JSON
/// object and, when `stream` is one of [`STREAMS`], it must parse as that stream's
/// event type (required fields present, right types; unknown fields are allowed, as
/// for readers). Streams of user transforms accept any object. Bad events are
/// `INVALID_INPUT` naming the stream and the problem.
///
/// ```
/// use lakehouse::journal::events::check_event;
/// use serde_json::json;
/// let ok = json!({"event_id": "e1", "ts": "2026-11-25T14:00:00Z", "order_id": "o-7",
///                 "worker_id": "w-17", "outcome": "showed_up"});
/// assert!(check_event("placement_outcome", &ok).is_ok());
/// let bad = json!({"event_id": "e1", "ts": "yesterday"});
/// assert_eq!(check_event("placement_outcome", &bad).unwrap_err().code(), "INVALID_INPUT");
/// assert!(check_event("my_custom_stream", &json!({"any": 1})).is_ok());
/// ```
pub fn check_event(stream: &str, event: &serde_json::Value) -> crate::Result<()> {
    fn parse<E: JournalEvent>(event: &serde_json::Value) -> crate::Result<()> {
        E::deserialize(event).map(drop).map_err(|e| {
            crate::Error::invalid(format!(
                "event for stream '{}' is not valid: {e}",
                E::STREAM
            ))
        })
    }
    if !event.is_object() {
        return Err(crate::Error::invalid(format!(
            "journal events must be JSON objects; stream '{stream}' got {}",
            super::json_type(event)
        )));
    }
    match stream {
        Search::STREAM => parse::<Search>(event),
        EmailDraft::STREAM => parse::<EmailDraft>(event),
        SmsDraft::STREAM => parse::<SmsDraft>(event),
        FillProposal::STREAM => parse::<FillProposal>(event),
        PlaybookRecord::STREAM => parse::<PlaybookRecord>(event),
        ProfileSwap::STREAM => parse::<ProfileSwap>(event),
        ChatCall::STREAM => parse::<ChatCall>(event),
        ReplayRun::STREAM => parse::<ReplayRun>(event),
        PlacementOutcome::STREAM => parse::<PlacementOutcome>(event),
        CoordinatorEdit::STREAM => parse::<CoordinatorEdit>(event),
        ValidatorOverride::STREAM => parse::<ValidatorOverride>(event),
        IngestBatch::STREAM => parse::<IngestBatch>(event),
        _ => Ok(()),
    }
}

/// A fresh, time-ordered event id: 32 hex characters (48 bits of milliseconds since the
/// Unix epoch, then 80 bits that differ per call, process and thread).
///
/// ```
/// let a = lakehouse::journal::events::new_event_id();
/// assert_eq!(a.len(), 32);
/// assert_ne!(a, lakehouse::journal::events::new_event_id());
/// ```
pub fn new_event_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = Utc::now();
    let millis = now.timestamp_millis().max(0) as u64 & 0xffff_ffff_ffff;
    let nanos = now.timestamp_subsec_nanos();
    let local = 0u8;
    let mut seed = Vec::with_capacity(40);
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(&nanos.to_le_bytes());
    seed.extend_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    seed.extend_from_slice(&(&local as *const u8 as usize).to_le_bytes());
    seed.extend_from_slice(&millis.to_le_bytes());
    let noise = xxhash_rust::xxh3::xxh3_128(&seed) & ((1u128 << 80) - 1);
    format!("{millis:012x}{noise:020x}")
}

/// One validator check result attached to a draft or proposal.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Verdict {
    /// True when no error-severity rule fired (the draft may be sent).
    pub ok: bool,
    /// Rules that fired, errors and warnings alike.
    #[serde(default)]
    pub violations: Vec<Violation>,
}

/// One rule that fired (see VALIDATOR_RULES.md for the codes).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Violation {
    /// Stable rule code, e.g. `SMS_TOO_LONG`.
    pub code: String,
    /// `error` or `warning`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// What the coordinator is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One ranked worker returned by a search.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// Worker id.
    pub id: String,
    /// Similarity score (higher is better).
    pub score: f32,
}

macro_rules! event_with_id {
    ($t:ty, $stream:literal) => {
        impl $t {
            /// The stream this event type is appended to.
            pub const STREAM: &'static str = $stream;
        }
        impl JournalEvent for $t {
            const STREAM: &'static str = $stream;
            fn source_key(&self) -> String {
                self.event_id.clone()
            }
            fn ts(&self) -> DateTime<Utc> {
                self.ts
            }
        }
    };
}

/// `search`: a coordinator (or an automated step) looked for workers for an order,
/// e.g. "forklift operator, Joliet, night shift", and saw these ranked profiles.
/// Evidence of what retrieval returned, to judge ranking quality later.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Search {
    /// Unique id of this event.
    pub event_id: String,
    /// When the search ran.
    pub ts: DateTime<Utc>,
    /// The text the coordinator typed (or the order summary used as query).
    pub query: String,
    /// Index searched, e.g. `workers`.
    pub index: String,
    /// How many results were asked for.
    pub k: u32,
    /// Metadata filter, in the index's JSON filter syntax.
    #[serde(default)]
    pub filter: Option<serde_json::Value>,
    /// Workers excluded on purpose (already contacted, swapped out…).
    #[serde(default)]
    pub exclude_ids: Vec<String>,
    /// Results, best first.
    pub results: Vec<SearchHit>,
    /// The job order the search was for, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Whether the answer came from the query cache.
    #[serde(default)]
    pub cache_hit: bool,
    /// End-to-end search time.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Who searched (coordinator login or service name).
    #[serde(default)]
    pub user: Option<String>,
}
event_with_id!(Search, "search");

/// `email_draft`: an outreach email to one worker about a shift, drafted from a
/// template or by a model, with the validator's verdict (PII, placeholders, pay…).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EmailDraft {
    /// Unique id of this event (coordinator edits refer to it).
    pub event_id: String,
    /// When the draft was produced.
    pub ts: DateTime<Utc>,
    /// Recipient worker.
    pub worker_id: String,
    /// The job order the email is about, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Template name when drafted from a template.
    #[serde(default)]
    pub template: Option<String>,
    /// Model name when drafted by a model.
    #[serde(default)]
    pub model: Option<String>,
    /// The prompt sent to the model, if one was used.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// Prompt tokens billed for a model draft.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Completion tokens billed for a model draft.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Time to produce the draft.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// EmailValidator verdict, when the draft was checked.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Whether the email actually went out.
    #[serde(default)]
    pub sent: bool,
}
event_with_id!(EmailDraft, "email_draft");

/// `sms_draft`: a text message to one worker ("Shift tomorrow 6am at Acme Joliet,
/// $19/h. Reply YES to confirm, STOP to opt out. Call 555-123-4567"), with its verdict.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SmsDraft {
    /// Unique id of this event (coordinator edits refer to it).
    pub event_id: String,
    /// When the draft was produced.
    pub ts: DateTime<Utc>,
    /// Recipient worker.
    pub worker_id: String,
    /// The job order the text is about, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Template name when drafted from a template.
    #[serde(default)]
    pub template: Option<String>,
    /// Model name when drafted by a model.
    #[serde(default)]
    pub model: Option<String>,
    /// The prompt sent to the model, if one was used.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Message text.
    pub body: String,
    /// SMS segments the text needs (1 is the target).
    #[serde(default)]
    pub segments: Option<u32>,
    /// Prompt tokens billed for a model draft.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Completion tokens billed for a model draft.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Time to produce the draft.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// EmailValidator (sms mode) verdict, when checked.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Whether the text actually went out.
    #[serde(default)]
    pub sent: bool,
}
event_with_id!(SmsDraft, "sms_draft");

/// `fill_proposal`: the workers proposed to fill an order's open slots (by a model or a
/// rule), with the FillValidator verdict (certifications, double booking, headcount).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FillProposal {
    /// Unique id of this event.
    pub event_id: String,
    /// When the proposal was made.
    pub ts: DateTime<Utc>,
    /// The job order being filled.
    pub order_id: String,
    /// Client company.
    #[serde(default)]
    pub client: Option<String>,
    /// Role to fill, e.g. `forklift operator`.
    pub role: String,
    /// Open slots on the order.
    pub headcount: u32,
    /// Shift start, RFC 3339.
    #[serde(default)]
    pub shift_start: Option<DateTime<Utc>>,
    /// Proposed workers, in preference order.
    pub worker_ids: Vec<String>,
    /// Why these workers (model or coordinator note).
    #[serde(default)]
    pub rationale: Option<String>,
    /// Model that proposed, if any.
    #[serde(default)]
    pub model: Option<String>,
    /// Prompt tokens billed.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Completion tokens billed.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Time to produce the proposal.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// FillValidator verdict, when checked.
    #[serde(default)]
    pub verdict: Option<Verdict>,
}
event_with_id!(FillProposal, "fill_proposal");

/// `playbook_record`: a coordinator saved "for orders like this, these workers worked"
/// into playbook memory, so later searches for similar orders rank them first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlaybookRecord {
    /// Unique id of this event.
    pub event_id: String,
    /// When the playbook entry was recorded.
    pub ts: DateTime<Utc>,
    /// Playbook entry id in the memory index.
    pub playbook_id: String,
    /// The order description the entry is keyed on.
    pub query: String,
    /// Workers that did the job well.
    pub worker_ids: Vec<String>,
    /// The order the lesson came from, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Free-text note ("all three showed up early, client asked for them again").
    #[serde(default)]
    pub note: Option<String>,
    /// Who recorded it.
    #[serde(default)]
    pub recorded_by: Option<String>,
}
event_with_id!(PlaybookRecord, "playbook_record");

/// `profile_swap`: a coordinator rejected some shown profiles and asked for others
/// (a search again excluding them): negative feedback on the first results.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ProfileSwap {
    /// Unique id of this event.
    pub event_id: String,
    /// When the swap happened.
    pub ts: DateTime<Utc>,
    /// The search the profiles came from.
    pub query: String,
    /// Profiles taken out.
    pub replaced_ids: Vec<String>,
    /// Profiles shown instead.
    pub new_ids: Vec<String>,
    /// Why ("no forklift cert", "lives too far"), if given.
    #[serde(default)]
    pub reason: Option<String>,
    /// The order, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Who swapped.
    #[serde(default)]
    pub user: Option<String>,
}
event_with_id!(ProfileSwap, "profile_swap");

/// One chat message.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Message text.
    pub content: String,
}

/// `chat_call`: one call to a language model (any purpose: drafting, summarising a
/// worker's history, proposing a fill) with its cost and latency — the raw material
/// for prompt and model comparisons.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ChatCall {
    /// Unique id of this event.
    pub event_id: String,
    /// When the call started.
    pub ts: DateTime<Utc>,
    /// Model name, e.g. `llama3.1:8b`.
    pub model: String,
    /// What the call was for, e.g. `email_draft`, `fill_proposal`.
    pub purpose: String,
    /// Messages sent.
    pub messages: Vec<ChatMessage>,
    /// Reply text (empty on error).
    #[serde(default)]
    pub response: String,
    /// Prompt tokens billed.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Completion tokens billed.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Wall time of the call.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Error text if the call failed (timeout, HTTP 500…).
    #[serde(default)]
    pub error: Option<String>,
    /// The order, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Workers the call was about.
    #[serde(default)]
    pub worker_ids: Vec<String>,
}
event_with_id!(ChatCall, "chat_call");

/// Validator verdict as recorded by replay (`violations` kept as written).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ReplayVerdict {
    /// Whether the replayed output passed validation.
    pub ok: bool,
    /// Violations, in the validator's own JSON shape.
    #[serde(default)]
    pub violations: Vec<serde_json::Value>,
}

/// Per-stage latency of one replayed case, in milliseconds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct StageMs {
    /// Retrieval.
    pub retrieve: u64,
    /// Prompt bundling.
    pub bundle: u64,
    /// Model call.
    pub chat: u64,
    /// Validation.
    pub validate: u64,
}

/// `replay_run` (`replay_run.v1`, SPEC §4, written by the replay runner to
/// `<kb>/replay_runs.jsonl`): one recorded case re-run through retrieve → bundle → chat
/// → validate, to catch a model or prompt change that breaks what used to work.
/// Identified by (`run_id`, `case_id`); its schema is `schemas/replay_run.v1.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ReplayRun {
    /// Always `replay_run.v1`.
    pub schema: String,
    /// The replay run (one per invocation).
    pub run_id: String,
    /// The case replayed.
    pub case_id: String,
    /// When the case finished.
    pub ts: DateTime<Utc>,
    /// Model used.
    pub model: String,
    /// Workers retrieved into the prompt.
    pub retrieved_ids: Vec<String>,
    /// Hash of the full prompt (spots prompt drift).
    pub prompt_sha256: String,
    /// Prompt tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens.
    pub completion_tokens: Option<u64>,
    /// Model reply.
    pub response: String,
    /// Validation of the reply.
    pub verdict: ReplayVerdict,
    /// Per-stage latency.
    pub stage_ms: StageMs,
    /// Label of the original case (`pass`/`fail`…), if known.
    pub original_label: Option<String>,
    /// Passed originally, fails now.
    pub regression: bool,
    /// Error that stopped the case, if any.
    pub error: Option<String>,
    /// Case kind (`email`, `sms`, `fill`), when the writer records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Bundle-only run, no model call.
    #[serde(default)]
    pub dry_run: bool,
    /// Stable error code of the failed stage, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

impl ReplayRun {
    /// The stream the replay runner appends to.
    pub const STREAM: &'static str = "replay_runs";
}

impl JournalEvent for ReplayRun {
    const STREAM: &'static str = "replay_runs";
    fn source_key(&self) -> String {
        format!("{}/{}", self.run_id, self.case_id)
    }
    fn ts(&self) -> DateTime<Utc> {
        self.ts
    }
}

/// How a placement turned out.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The worker came and worked the shift.
    ShowedUp,
    /// The worker came late.
    Late,
    /// The worker did not come and did not warn.
    NoShow,
    /// The worker cancelled ahead of time.
    CancelledByWorker,
    /// The client cancelled the shift.
    CancelledByClient,
}

impl Outcome {
    /// The snake_case label used in evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::ShowedUp => "showed_up",
            Outcome::Late => "late",
            Outcome::NoShow => "no_show",
            Outcome::CancelledByWorker => "cancelled_by_worker",
            Outcome::CancelledByClient => "cancelled_by_client",
        }
    }
}

/// `placement_outcome`: whether a placed worker showed up for the shift — the ground
/// truth every search, draft and proposal is finally judged by.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlacementOutcome {
    /// Unique id of this event.
    pub event_id: String,
    /// When the outcome was recorded.
    pub ts: DateTime<Utc>,
    /// The job order.
    pub order_id: String,
    /// The placed worker.
    pub worker_id: String,
    /// Shift start.
    #[serde(default)]
    pub shift_start: Option<DateTime<Utc>>,
    /// What happened.
    pub outcome: Outcome,
    /// Hours worked, if any.
    #[serde(default)]
    pub hours_worked: Option<f64>,
    /// Client rating 1–5, if given.
    #[serde(default)]
    pub client_rating: Option<u8>,
    /// Coordinator note.
    #[serde(default)]
    pub note: Option<String>,
}
event_with_id!(PlacementOutcome, "placement_outcome");

/// `coordinator_edit`: a human changed a draft before sending it. Holds the draft
/// before and after the edit — the most direct signal of what generation gets wrong.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CoordinatorEdit {
    /// Unique id of this event.
    pub event_id: String,
    /// When the edit was saved.
    pub ts: DateTime<Utc>,
    /// `event_id` of the edited `email_draft` / `sms_draft`.
    pub draft_event_id: String,
    /// `email` or `sms`.
    pub channel: String,
    /// Draft text before the edit.
    pub before: String,
    /// Draft text after the edit.
    pub after: String,
    /// Who edited.
    pub editor: String,
    /// Why, if the coordinator said.
    #[serde(default)]
    pub reason: Option<String>,
    /// Recipient worker, if any.
    #[serde(default)]
    pub worker_id: Option<String>,
    /// The order, if any.
    #[serde(default)]
    pub order_id: Option<String>,
}
event_with_id!(CoordinatorEdit, "coordinator_edit");

/// `validator_override`: a coordinator overruled a validator (sent a draft flagged as
/// containing an SSN that was really a phone number, or blocked one that passed).
/// Audit trail and the false-positive / false-negative labels for the validators.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ValidatorOverride {
    /// Unique id of this event.
    pub event_id: String,
    /// When the override happened.
    pub ts: DateTime<Utc>,
    /// `event_id` of the draft or proposal whose verdict was overruled.
    pub subject_event_id: String,
    /// `email`, `sms` or `fill`.
    pub validator: String,
    /// Rule codes concerned, e.g. `["PII_SSN"]`.
    pub codes: Vec<String>,
    /// The validator's verdict.
    pub original_ok: bool,
    /// The coordinator's verdict.
    pub override_ok: bool,
    /// Required justification.
    pub justification: String,
    /// Who overrode.
    pub coordinator: String,
    /// The order, if any.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Workers concerned.
    #[serde(default)]
    pub worker_ids: Vec<String>,
}
event_with_id!(ValidatorOverride, "validator_override");

/// `ingest_batch`: a batch of worker profiles loaded into the corpus and index (from
/// the ATS export, a CSV upload…), with what was accepted and rejected.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct IngestBatch {
    /// Unique id of this event.
    pub event_id: String,
    /// When the batch finished.
    pub ts: DateTime<Utc>,
    /// Where the profiles came from, e.g. `ats_export/2026-11-25.csv`.
    pub source: String,
    /// Index loaded into.
    pub index: String,
    /// Profiles read.
    pub records_in: u64,
    /// Profiles inserted or updated.
    pub upserted: u64,
    /// Profiles refused.
    pub rejected: u64,
    /// Ids of refused profiles (may be truncated by the writer).
    #[serde(default)]
    pub rejected_ids: Vec<String>,
    /// Distinct error messages.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Time the batch took.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}
event_with_id!(IngestBatch, "ingest_batch");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_unique_and_ordered_by_time_prefix() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_event_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|s| s.len() == 32));
    }

    #[test]
    fn wrong_type_and_missing_field_are_errors() {
        let ok = r#"{"event_id":"e1","ts":"2026-11-25T09:00:00Z","order_id":"o1","worker_id":"w1","outcome":"no_show"}"#;
        let p: PlacementOutcome = serde_json::from_str(ok).unwrap();
        assert_eq!(p.outcome, Outcome::NoShow);
        assert!(serde_json::from_str::<PlacementOutcome>(&ok.replace("\"no_show\"", "3")).is_err());
        assert!(
            serde_json::from_str::<PlacementOutcome>(&ok.replace("\"order_id\":\"o1\",", ""))
                .is_err()
        );
    }
}
