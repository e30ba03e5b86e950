//! The `replay_run.v1` record: one line of `<kb>/replay_runs.jsonl` per replayed case.
//!
//! Its JSON Schema is `schemas/replay_run.v1.json`; a test validates written lines
//! against it. The shape is also what `journal::events::ReplayRun` (the materializer's
//! reader of this stream) accepts, so required fields are never `null`: a field with
//! nothing to say is empty (`""`, `0`) and the `*_us`/`error_*` fields carry the detail.
//! Fields (SPEC §4, plus `kind`, `dropped_ids`, `dry_run`, `stage_us`, `error_stage`,
//! `error_code`):
//!
//! | field | meaning |
//! |---|---|
//! | `schema` | always `"replay_run.v1"` |
//! | `run_id` | one id per [`ReplayRunner::run`](super::ReplayRunner::run) call |
//! | `case_id`, `kind` | the case and its kind (`email`, `sms`, `fill`) |
//! | `ts` | when the case finished, RFC 3339 UTC |
//! | `model` | model named by the chat server, else the configured model name, else `""` |
//! | `retrieved_ids` | worker ids in the prompt, recipient first, then by rank |
//! | `dropped_ids` | retrieved ids left out to fit the token budget |
//! | `prompt_sha256` | hex SHA-256 of the prompt messages; `""` when no prompt was built |
//! | `prompt_tokens`, `completion_tokens` | the server's counts (estimates when it gives none); `null` when there was no answer |
//! | `response` | the model's raw reply; `""` when there was none |
//! | `verdict` | `{ok, violations: [{code, severity, message, worker_id, span}]}`; `{ok: false, violations: []}` when a stage failed before validation |
//! | `stage_ms` | whole milliseconds per stage (`retrieve`, `bundle`, `chat`, `validate`); `0` for a stage not run |
//! | `stage_us` | the same in microseconds; `null` for a stage not run |
//! | `original_label` | `"pass"`, `"fail"` or `null` |
//! | `regression` | originally passed, and a verdict now fails |
//! | `dry_run` | bundle only, no chat call |
//! | `error`, `error_stage`, `error_code` | message, stage and stable [`Error::code`](crate::Error::code) when a stage failed; all `null` otherwise |

use serde::{Deserialize, Serialize};

use super::case::{CaseKind, Label};
use crate::validate::Span;

/// The value of the `schema` field.
pub const REPLAY_RUN_SCHEMA: &str = "replay_run.v1";

/// One stage of the replay loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Worker search.
    Retrieve,
    /// Prompt assembly.
    Bundle,
    /// The model call.
    Chat,
    /// Parsing the reply and running the validators.
    Validate,
    /// Appending the record.
    Log,
}

impl Stage {
    /// `retrieve`, `bundle`, `chat`, `validate` or `log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Retrieve => "retrieve",
            Stage::Bundle => "bundle",
            Stage::Chat => "chat",
            Stage::Validate => "validate",
            Stage::Log => "log",
        }
    }
}

/// One rule violation as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunViolation {
    /// Stable rule code, e.g. `PII_SSN`, `FILL_UNKNOWN_WORKER`, `REPLAY_MALFORMED_PROPOSAL`.
    pub code: String,
    /// `error` (fails the verdict) or `warning`.
    pub severity: String,
    /// What a coordinator reads.
    pub message: String,
    /// The worker concerned (fill rules).
    #[serde(default)]
    pub worker_id: Option<String>,
    /// Byte range in the checked text, where one exists: `{"start", "end"}`, the
    /// same shape as [`Span`] everywhere (the `[start, end]` pair older logs hold is
    /// still read).
    #[serde(
        default,
        deserialize_with = "crate::validate::span::deserialize_lenient"
    )]
    pub span: Option<Span>,
}

/// The verdict as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunVerdict {
    /// No error-severity violation.
    pub ok: bool,
    /// All violations, errors and warnings.
    pub violations: Vec<RunViolation>,
}

impl RunVerdict {
    /// Codes of the error-severity violations, each once, in order of appearance.
    pub fn error_codes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in &self.violations {
            if v.severity == "error" && !out.contains(&v.code.as_str()) {
                out.push(&v.code);
            }
        }
        out
    }
}

/// Whole milliseconds per stage; `0` for a stage that did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMs {
    /// Worker search.
    pub retrieve: u64,
    /// Prompt assembly.
    pub bundle: u64,
    /// The model call, retries included.
    pub chat: u64,
    /// Reply parsing and validation.
    pub validate: u64,
}

/// Microseconds per stage; `None` for a stage that did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageUs {
    /// Worker search.
    pub retrieve: Option<u64>,
    /// Prompt assembly.
    pub bundle: Option<u64>,
    /// The model call, retries included.
    pub chat: Option<u64>,
    /// Reply parsing and validation.
    pub validate: Option<u64>,
}

impl StageUs {
    /// The time recorded for `stage` (`None` for [`Stage::Log`], which is not recorded).
    pub fn get(&self, stage: Stage) -> Option<u64> {
        match stage {
            Stage::Retrieve => self.retrieve,
            Stage::Bundle => self.bundle,
            Stage::Chat => self.chat,
            Stage::Validate => self.validate,
            Stage::Log => None,
        }
    }

    /// Records `us` microseconds for `stage` ([`Stage::Log`] is not recorded).
    pub fn set(&mut self, stage: Stage, us: u64) {
        match stage {
            Stage::Retrieve => self.retrieve = Some(us),
            Stage::Bundle => self.bundle = Some(us),
            Stage::Chat => self.chat = Some(us),
            Stage::Validate => self.validate = Some(us),
            Stage::Log => {}
        }
    }

    /// Whole milliseconds, rounded, `0` for stages not run.
    pub fn to_ms(&self) -> StageMs {
        let ms = |v: Option<u64>| v.map_or(0, |us| (us + 500) / 1000);
        StageMs {
            retrieve: ms(self.retrieve),
            bundle: ms(self.bundle),
            chat: ms(self.chat),
            validate: ms(self.validate),
        }
    }
}

/// One `replay_run.v1` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayRun {
    /// Always [`REPLAY_RUN_SCHEMA`].
    pub schema: String,
    /// The run this case belongs to.
    pub run_id: String,
    /// The case.
    pub case_id: String,
    /// Email, SMS or fill.
    pub kind: CaseKind,
    /// RFC 3339 UTC time the case finished.
    pub ts: String,
    /// The model that answered (or was asked).
    pub model: String,
    /// Worker ids in the prompt.
    pub retrieved_ids: Vec<String>,
    /// Worker ids dropped to fit the budget.
    pub dropped_ids: Vec<String>,
    /// Hex SHA-256 of the prompt; empty when none was built.
    pub prompt_sha256: String,
    /// Prompt tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens.
    pub completion_tokens: Option<u64>,
    /// The model's raw reply; empty when none came back.
    pub response: String,
    /// The validators' verdict (`ok: false`, no violations, when a stage failed first).
    pub verdict: RunVerdict,
    /// Per-stage wall time in whole milliseconds.
    pub stage_ms: StageMs,
    /// Per-stage wall time in microseconds.
    pub stage_us: StageUs,
    /// How the case was judged originally.
    pub original_label: Option<Label>,
    /// Passed originally, fails now.
    pub regression: bool,
    /// Bundle-only run: no chat call, no validation.
    pub dry_run: bool,
    /// Message of the error that stopped the case.
    pub error: Option<String>,
    /// The stage that failed.
    pub error_stage: Option<Stage>,
    /// Stable code of that error (`HTTP`, `TIMEOUT`, `NOT_FOUND`, …).
    pub error_code: Option<String>,
}

impl ReplayRun {
    /// The verdict passed (and no stage failed).
    pub fn passed(&self) -> bool {
        self.error.is_none() && !self.dry_run && self.verdict.ok
    }
}
