//! The 12 built-in transforms, one per stream of [`crate::journal::events`].
//!
//! Labels: drafts and proposals get `valid` / `invalid` from their verdict (none when
//! unchecked); outcomes their outcome; edits `edited` / `unchanged`; overrides
//! `false_positive` (validator said no, human said yes) / `false_negative`; replays
//! `regression`, `pass`, `fail` or `error`; ingest batches `ok`, `partial`, `failed`.

use std::sync::Arc;

use serde_json::json;

use super::{parse_event, Evidence, EvidenceKind, Transform};
use crate::journal::events::*;
use crate::Result;

struct Builtin<E> {
    name: &'static str,
    f: fn(E) -> Evidence,
}

impl<E: JournalEvent + Send + Sync> Transform for Builtin<E> {
    fn name(&self) -> &str {
        self.name
    }
    fn stream(&self) -> &str {
        E::STREAM
    }
    fn apply(&self, line: &str) -> Result<Evidence> {
        Ok((self.f)(parse_event::<E>(line)?))
    }
}

fn t<E: JournalEvent + Send + Sync + 'static>(
    name: &'static str,
    f: fn(E) -> Evidence,
) -> Arc<dyn Transform> {
    Arc::new(Builtin { name, f })
}

/// The 12 built-in transforms, sorted by name.
pub fn builtin_transforms() -> Vec<Arc<dyn Transform>> {
    let mut v = vec![
        t::<Search>("search", search),
        t::<EmailDraft>("email_draft", email_draft),
        t::<SmsDraft>("sms_draft", sms_draft),
        t::<FillProposal>("fill_proposal", fill_proposal),
        t::<PlaybookRecord>("playbook_record", playbook_record),
        t::<ProfileSwap>("profile_swap", profile_swap),
        t::<ChatCall>("chat_call", chat_call),
        t::<ReplayRun>("replay_run", replay_run),
        t::<PlacementOutcome>("placement_outcome", placement_outcome),
        t::<CoordinatorEdit>("coordinator_edit", coordinator_edit),
        t::<ValidatorOverride>("validator_override", validator_override),
        t::<IngestBatch>("ingest_batch", ingest_batch),
    ];
    v.sort_by(|a, b| a.name().cmp(b.name()));
    v
}

fn base<E: JournalEvent>(e: &E, kind: EvidenceKind, task: &str) -> Evidence {
    Evidence::new(e.source_key(), e.ts(), kind, task)
}

fn verdict_label(v: &Option<RunVerdict>) -> Option<String> {
    v.as_ref()
        .map(|v| if v.ok { "valid" } else { "invalid" }.to_owned())
}

fn search(e: Search) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Retrieval, "worker_search");
    ev.worker_ids = e.results.iter().map(|h| h.id.clone()).collect();
    ev.input =
        json!({"query": e.query, "k": e.k, "filter": e.filter, "exclude_ids": e.exclude_ids});
    ev.output = json!({"results": e.results});
    ev.latency_ms = e.latency_ms;
    ev.order_id = e.order_id;
    ev.metadata = json!({"index": e.index, "cache_hit": e.cache_hit, "user": e.user, "result_count": e.results.len()});
    ev
}

fn email_draft(e: EmailDraft) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Generation, "email_outreach");
    ev.label = verdict_label(&e.verdict);
    ev.input = json!({"template": e.template, "prompt": e.prompt});
    ev.output = json!({"subject": e.subject, "body": e.body});
    ev.model = e.model;
    ev.prompt_tokens = e.prompt_tokens;
    ev.completion_tokens = e.completion_tokens;
    ev.latency_ms = e.latency_ms;
    ev.worker_ids = vec![e.worker_id];
    ev.order_id = e.order_id;
    ev.metadata = json!({"verdict": e.verdict, "sent": e.sent});
    ev
}

fn sms_draft(e: SmsDraft) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Generation, "sms_outreach");
    ev.label = verdict_label(&e.verdict);
    ev.input = json!({"template": e.template, "prompt": e.prompt});
    ev.metadata = json!({
        "verdict": e.verdict, "sent": e.sent, "segments": e.segments,
        "chars": e.body.chars().count(),
    });
    ev.output = json!({"body": e.body});
    ev.model = e.model;
    ev.prompt_tokens = e.prompt_tokens;
    ev.completion_tokens = e.completion_tokens;
    ev.latency_ms = e.latency_ms;
    ev.worker_ids = vec![e.worker_id];
    ev.order_id = e.order_id;
    ev
}

fn fill_proposal(e: FillProposal) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Generation, "fill_proposal");
    ev.label = verdict_label(&e.verdict);
    ev.input = json!({"client": e.client, "role": e.role, "headcount": e.headcount, "shift_start": e.shift_start});
    ev.output = json!({"worker_ids": e.worker_ids, "rationale": e.rationale});
    ev.metadata = json!({"verdict": e.verdict, "short_by": (e.headcount as usize).saturating_sub(e.worker_ids.len())});
    ev.model = e.model;
    ev.prompt_tokens = e.prompt_tokens;
    ev.completion_tokens = e.completion_tokens;
    ev.latency_ms = e.latency_ms;
    ev.worker_ids = e.worker_ids;
    ev.order_id = Some(e.order_id);
    ev
}

fn playbook_record(e: PlaybookRecord) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Feedback, "playbook_memory");
    ev.label = Some("recorded".into());
    ev.input = json!({"query": e.query});
    ev.output = json!({"playbook_id": e.playbook_id, "worker_ids": e.worker_ids});
    ev.metadata = json!({"note": e.note, "recorded_by": e.recorded_by});
    ev.worker_ids = e.worker_ids;
    ev.order_id = e.order_id;
    ev
}

fn profile_swap(e: ProfileSwap) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Feedback, "profile_swap");
    ev.label = Some("swapped".into());
    ev.input = json!({"query": e.query, "replaced_ids": e.replaced_ids, "reason": e.reason});
    ev.output = json!({"new_ids": e.new_ids});
    ev.metadata = json!({"user": e.user, "replaced": e.replaced_ids.len()});
    ev.worker_ids = e.replaced_ids.into_iter().chain(e.new_ids).collect();
    ev.order_id = e.order_id;
    ev
}

fn chat_call(e: ChatCall) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Generation, &e.purpose);
    ev.label = e.error.as_ref().map(|_| "error".to_owned());
    ev.input = json!({"messages": e.messages});
    ev.output = json!({"response": e.response});
    ev.metadata = json!({"error": e.error, "purpose": e.purpose});
    ev.model = Some(e.model);
    ev.prompt_tokens = e.prompt_tokens;
    ev.completion_tokens = e.completion_tokens;
    ev.latency_ms = e.latency_ms;
    ev.worker_ids = e.worker_ids;
    ev.order_id = e.order_id;
    ev
}

fn replay_run(e: ReplayRun) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Validation, "replay");
    ev.label = Some(
        if e.error.is_some() {
            "error"
        } else if e.regression {
            "regression"
        } else if e.verdict.ok {
            "pass"
        } else {
            "fail"
        }
        .to_owned(),
    );
    let s = &e.stage_ms;
    ev.latency_ms = Some(s.retrieve + s.bundle + s.chat + s.validate);
    ev.input = json!({"case_id": e.case_id, "retrieved_ids": e.retrieved_ids, "prompt_sha256": e.prompt_sha256});
    ev.output = json!({"response": e.response, "verdict": e.verdict});
    ev.metadata = json!({
        "run_id": e.run_id, "stage_ms": e.stage_ms, "original_label": e.original_label,
        "regression": e.regression, "error": e.error, "error_code": e.error_code,
        "case_kind": e.kind, "dry_run": e.dry_run,
    });
    ev.model = Some(e.model);
    ev.prompt_tokens = e.prompt_tokens;
    ev.completion_tokens = e.completion_tokens;
    ev.worker_ids = e.retrieved_ids;
    ev
}

fn placement_outcome(e: PlacementOutcome) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Outcome, "placement");
    ev.label = Some(e.outcome.as_str().to_owned());
    ev.input = json!({"shift_start": e.shift_start});
    ev.output = json!({"outcome": e.outcome, "hours_worked": e.hours_worked, "client_rating": e.client_rating});
    ev.metadata = json!({"note": e.note});
    ev.worker_ids = vec![e.worker_id];
    ev.order_id = Some(e.order_id);
    ev
}

fn coordinator_edit(e: CoordinatorEdit) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Feedback, "draft_edit");
    ev.label = Some(
        if e.before == e.after {
            "unchanged"
        } else {
            "edited"
        }
        .to_owned(),
    );
    ev.metadata = json!({
        "draft_event_id": e.draft_event_id, "channel": e.channel, "editor": e.editor,
        "reason": e.reason, "before_chars": e.before.chars().count(),
        "after_chars": e.after.chars().count(),
    });
    ev.input = json!({"before": e.before});
    ev.output = json!({"after": e.after});
    ev.worker_ids = e.worker_id.into_iter().collect();
    ev.order_id = e.order_id;
    ev
}

fn validator_override(e: ValidatorOverride) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Audit, "validator_override");
    let label = match (e.original_ok, e.override_ok) {
        (false, true) => "false_positive",
        (true, false) => "false_negative",
        _ => "confirmed",
    };
    ev.label = Some(label.into());
    ev.input = json!({"validator": e.validator, "codes": e.codes, "original_ok": e.original_ok});
    ev.output = json!({"override_ok": e.override_ok, "justification": e.justification});
    ev.metadata = json!({"subject_event_id": e.subject_event_id, "coordinator": e.coordinator});
    ev.worker_ids = e.worker_ids;
    ev.order_id = e.order_id;
    ev
}

fn ingest_batch(e: IngestBatch) -> Evidence {
    let mut ev = base(&e, EvidenceKind::Audit, "corpus_ingest");
    let label = if e.rejected == 0 {
        "ok"
    } else if e.upserted == 0 {
        "failed"
    } else {
        "partial"
    };
    ev.label = Some(label.into());
    ev.input = json!({"source": e.source, "records_in": e.records_in});
    ev.output = json!({"upserted": e.upserted, "rejected": e.rejected, "errors": e.errors});
    ev.metadata = json!({"index": e.index});
    ev.latency_ms = e.duration_ms;
    ev.worker_ids = e.rejected_ids;
    ev
}
