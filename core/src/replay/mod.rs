//! Replay: re-run recorded cases through the live loop to catch regressions.
//!
//! **retrieve** (worker search) → **bundle** (system prompt + worker cards + task within
//! a token budget, [`build_bundle`]) → **chat** ([`ChatModel`], built-in
//! [`OpenAiChat`]) → **validate** (email/SMS drafts and fill proposals) → **log** (one
//! `replay_run.v1` record per case appended to `<kb>/replay_runs.jsonl`).
//!
//! Cases come from a JSONL cases file ([`load_cases_jsonl`]) or from evidence records
//! ([`load_evidence_index`], [`cases_from_evidence`], [`load_evidence_jsonl`]).

mod bundle;
mod case;
mod chat;
mod check;
mod evidence;
mod parse;
mod record;
mod report;
mod runner;
mod search;

pub use bundle::{
    build_bundle, estimate_tokens, prompt_hash, worker_card, Bundle, BundleConfig, PhonePolicy,
};
pub use case::{load_cases_jsonl, parse_cases_jsonl, CaseKind, Label, ReplayCase};
pub use chat::{
    ChatMessage, ChatModel, ChatParams, ChatRole, Completion, OpenAiChat, OpenAiChatConfig,
};
pub use evidence::{
    case_from_evidence_json, cases_from_evidence, load_evidence_index, load_evidence_jsonl,
    EvidenceCases, SkippedEvidence,
};
pub use parse::{
    extract_json_object, parse_email, parse_proposal, parse_sms, strip_code_fence, EmailParts,
    MALFORMED_PROPOSAL,
};
pub use record::{ReplayRun, RunVerdict, RunViolation, Stage, StageMs, StageUs, REPLAY_RUN_SCHEMA};
pub use report::{LatencyStats, ReplayReport};
pub use runner::{
    ReplayOptions, ReplayOutcome, ReplayProgress, ReplayRunner, StageTimeouts, REPLAY_STREAM,
};
pub use search::WorkerSearch;
