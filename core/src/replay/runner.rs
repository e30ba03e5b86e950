//! The replay loop: retrieve → bundle → chat → validate → log, over many cases at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bundle::{build_bundle, BundleConfig};
use super::case::{CaseKind, Label, ReplayCase};
use super::chat::{ChatModel, ChatParams};
use super::check::Checks;
use super::record::{ReplayRun, RunVerdict, Stage, StageUs, REPLAY_RUN_SCHEMA};
use super::report::ReplayReport;
use super::search::WorkerSearch;
use crate::control::{CancelToken, Control};
use crate::corpus::Worker;
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::validate::{Roster, ValidatorConfig};

/// The journal stream replay appends to (`<kb>/replay_runs.jsonl`).
pub const REPLAY_STREAM: &str = "replay_runs";

/// Deadline per stage, in milliseconds.
///
/// The chat deadline is handed to the model ([`ChatParams::timeout_ms`]), which
/// [`OpenAiChat`](super::OpenAiChat) enforces on the socket, retries included. The
/// in-process stages cannot be pre-empted safely, so an overrun is detected when the
/// stage returns: its result is discarded and the case fails with `TIMEOUT`. A chat
/// model that ignores its deadline is held to it the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageTimeouts {
    /// Worker search.
    pub retrieve_ms: u64,
    /// Prompt assembly.
    pub bundle_ms: u64,
    /// The model call, retries included.
    pub chat_ms: u64,
    /// Reply parsing and validation.
    pub validate_ms: u64,
}

impl Default for StageTimeouts {
    fn default() -> Self {
        StageTimeouts {
            retrieve_ms: 10_000,
            bundle_ms: 1_000,
            chat_ms: 120_000,
            validate_ms: 1_000,
        }
    }
}

impl StageTimeouts {
    /// Rejects a zero deadline with `INVALID_CONFIG`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("retrieve_ms", self.retrieve_ms),
            ("bundle_ms", self.bundle_ms),
            ("chat_ms", self.chat_ms),
            ("validate_ms", self.validate_ms),
        ] {
            if v == 0 {
                return Err(Error::InvalidConfig(format!(
                    "replay stage timeout {name} must be at least 1 ms"
                )));
            }
        }
        Ok(())
    }
}

/// How a replay runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayOptions {
    /// Cases in flight at once (worker threads); at least 1.
    pub concurrency: usize,
    /// Replay only the first `limit` cases.
    pub limit: Option<usize>,
    /// Retrieve and bundle only: no chat call, no validation, nothing logged.
    pub dry_run: bool,
    /// Workers retrieved per case (before the token budget trims them).
    pub k: usize,
    /// Per-stage deadlines.
    pub timeouts: StageTimeouts,
    /// Prompt settings. Empty agency name/address are taken from the validator config.
    pub bundle: BundleConfig,
    /// Generated-token cap per answer.
    pub max_tokens: Option<u32>,
    /// Ask the server for JSON output on fill cases (`response_format`); not every
    /// OpenAI-compatible server supports it.
    pub json_mode_for_fill: bool,
    /// The run's id in every record; `None` generates `replay-<UTC time>-<8 hex>`.
    /// Give one to make a run reproducible (1–128 characters of `[A-Za-z0-9._-]`,
    /// starting with a letter or digit).
    pub run_id: Option<String>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            concurrency: 4,
            limit: None,
            dry_run: false,
            k: 8,
            timeouts: StageTimeouts::default(),
            bundle: BundleConfig::default(),
            max_tokens: Some(512),
            json_mode_for_fill: false,
            run_id: None,
        }
    }
}

impl ReplayOptions {
    /// Rejects out-of-range values with `INVALID_CONFIG`: `concurrency` and `k` at
    /// least 1, `max_tokens` and the prompt budget not 0, stage deadlines at least 1 ms.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::InvalidConfig(format!("replay {m}")));
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1");
        }
        if self.k == 0 {
            return bad("k must be at least 1");
        }
        if self.max_tokens == Some(0) {
            return bad("max_tokens must be at least 1");
        }
        if let Some(id) = &self.run_id {
            let ok = (1..=128).contains(&id.len())
                && id.starts_with(|c: char| c.is_ascii_alphanumeric())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !ok {
                return bad(&format!(
                    "run_id {id:?} is not valid: use 1 to 128 characters of [A-Za-z0-9._-], starting with a letter or digit"
                ));
            }
        }
        if self.bundle.max_prompt_tokens == 0 {
            return bad("bundle.max_prompt_tokens must be at least 1");
        }
        self.timeouts.validate()
    }
}

/// Progress of a running replay, passed to the progress callback of
/// [`ReplayRunner::run_with`] after each case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayProgress {
    /// The run.
    pub run_id: String,
    /// Cases finished (and logged) so far.
    pub done: usize,
    /// Cases in the run.
    pub total: usize,
}

/// Report plus every record of a run, in case order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayOutcome {
    /// The summary.
    pub report: ReplayReport,
    /// One record per case (what was appended to the log, unless dry run).
    pub runs: Vec<ReplayRun>,
}

/// Re-runs cases through retrieve → bundle → chat → validate → log.
///
/// Cheap to clone (shared state behind an `Arc`); safe to run from several threads.
///
/// ```
/// use std::sync::Arc;
/// use lakehouse::replay::*;
/// use lakehouse::validate::ValidatorConfig;
///
/// // Any ChatModel works; this one always writes the same compliant SMS.
/// struct Canned;
/// impl ChatModel for Canned {
///     fn complete(&self, _m: &[ChatMessage], _p: &ChatParams) -> lakehouse::Result<Completion> {
///         Ok(Completion {
///             content: "Lakeside Staffing: shift Tue 7am. Reply STOP to opt out".into(),
///             model: "canned".into(), prompt_tokens: 50, completion_tokens: 12,
///         })
///     }
/// }
/// let kb = std::env::temp_dir().join(format!("lakehouse-replay-doc-{}", std::process::id()));
/// let runner = ReplayRunner::new(&kb, Arc::new(Canned), None, vec![],
///     ValidatorConfig::default(), ReplayOptions::default())?;
/// let cases = parse_cases_jsonl(
///     r#"{"case_id":"c-1","kind":"sms","query":"forklift Dayton","original_label":"pass"}"#)?;
/// let outcome = runner.run(cases)?;
/// assert_eq!((outcome.report.passed, outcome.report.regressions), (1, 0));
/// assert!(runner.log_path()?.exists()); // one replay_run.v1 line per case
/// # std::fs::remove_dir_all(&kb).ok();
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Clone)]
pub struct ReplayRunner {
    inner: Arc<Inner>,
}

struct Inner {
    journal: Journal,
    chat: Arc<dyn ChatModel>,
    search: Option<Arc<dyn WorkerSearch>>,
    workers: HashMap<String, Worker>,
    checks: Checks,
    options: ReplayOptions,
}

impl std::fmt::Debug for ReplayRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayRunner")
            .field("kb_dir", &self.inner.journal.dir())
            .field("workers", &self.inner.workers.len())
            .field("options", &self.inner.options)
            .finish()
    }
}

impl ReplayRunner {
    /// A runner logging to `<kb_dir>/replay_runs.jsonl`.
    ///
    /// `workers` is the roster: it supplies worker cards, recipients and the fill
    /// validator's roster (no assignments or do-not-return lists; use
    /// [`ReplayRunner::with_roster`] for those). `search` finds the workers of each
    /// case; without it only the recipient's card is in the prompt.
    pub fn new(
        kb_dir: impl AsRef<Path>,
        chat: Arc<dyn ChatModel>,
        search: Option<Arc<dyn WorkerSearch>>,
        workers: Vec<Worker>,
        validator: ValidatorConfig,
        options: ReplayOptions,
    ) -> Result<Self> {
        let roster = Roster::new(workers.clone());
        Self::with_roster(kb_dir, chat, search, workers, roster, validator, options)
    }

    /// Like [`ReplayRunner::new`] with a prepared fill-validator roster (assignments,
    /// do-not-return lists).
    pub fn with_roster(
        kb_dir: impl AsRef<Path>,
        chat: Arc<dyn ChatModel>,
        search: Option<Arc<dyn WorkerSearch>>,
        workers: Vec<Worker>,
        roster: Roster,
        validator: ValidatorConfig,
        mut options: ReplayOptions,
    ) -> Result<Self> {
        options.validate()?;
        if options.bundle.agency_name.is_empty() {
            options.bundle.agency_name = validator.agency_name.clone();
        }
        if options.bundle.agency_address.is_empty() {
            options.bundle.agency_address = validator.agency_address.clone();
        }
        let checks = Checks::new(validator, roster)?;
        let journal = Journal::open(kb_dir)?;
        let workers = workers
            .into_iter()
            .map(|w| (w.worker_id.clone(), w))
            .collect();
        Ok(ReplayRunner {
            inner: Arc::new(Inner {
                journal,
                chat,
                search,
                workers,
                checks,
                options,
            }),
        })
    }

    /// The options in use.
    pub fn options(&self) -> &ReplayOptions {
        &self.inner.options
    }

    /// The log file this runner appends to.
    pub fn log_path(&self) -> Result<PathBuf> {
        self.inner.journal.path(REPLAY_STREAM)
    }

    /// Replays `cases` (the first `limit` of them) and returns the report and records.
    ///
    /// Every case gets exactly one record, appended as soon as it finishes; a case
    /// whose stage fails is logged with `error` set. The run itself fails only when the
    /// log cannot be written (the remaining cases are then skipped) or the options are
    /// unusable; a repeated `case_id` is an [`Error::InvalidInput`] before anything runs.
    pub fn run(&self, cases: Vec<ReplayCase>) -> Result<ReplayOutcome> {
        self.run_with(cases, &Control::default())
    }

    /// [`ReplayRunner::run`] watched by a [`Control`]: the progress callback gets a
    /// [`ReplayProgress`] after each case (from the worker threads), and a cancelled
    /// token skips the cases not yet started; the call then fails with
    /// [`Error::Cancelled`] and the cases already finished stay logged. A panicking
    /// progress callback cancels the run the same way and the call fails with
    /// [`Error::Callback`].
    pub fn run_with(
        &self,
        mut cases: Vec<ReplayCase>,
        control: &Control<ReplayProgress>,
    ) -> Result<ReplayOutcome> {
        let started = Instant::now();
        if let Some(limit) = self.inner.options.limit {
            cases.truncate(limit);
        }
        // The log is keyed by (run_id, case_id): a repeated id would make two records
        // the materializer cannot tell apart.
        let mut ids = std::collections::HashSet::with_capacity(cases.len());
        if let Some(dup) = cases.iter().find(|c| !ids.insert(c.case_id.as_str())) {
            return Err(Error::invalid(format!(
                "case_id '{}' appears more than once in the replay set",
                dup.case_id
            )));
        }
        let run_id = match &self.inner.options.run_id {
            Some(id) => id.clone(),
            None => new_run_id(),
        };
        let total = cases.len();
        let done = AtomicUsize::new(0);
        let abort = AtomicBool::new(false);
        let log_error: Mutex<Option<Error>> = Mutex::new(None);
        let callback_error: Mutex<Option<Error>> = Mutex::new(None);
        // Cancels this run only: a callback panic must not cancel the caller's token.
        let stop = CancelToken::new();
        let stopped = || stop.is_cancelled() || control.is_cancelled();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.inner.options.concurrency)
            .thread_name(|i| format!("lakehouse-replay-{i}"))
            .build()
            .map_err(|e| Error::Internal(format!("replay thread pool: {e}")))?;
        let runs: Vec<Option<ReplayRun>> = pool.install(|| {
            cases
                .par_iter()
                .map(|case| {
                    if abort.load(Ordering::Relaxed) || stopped() {
                        return None;
                    }
                    let run = self.run_case(&run_id, case);
                    if !run.dry_run {
                        if let Err(e) = self.inner.journal.append(REPLAY_STREAM, &run) {
                            abort.store(true, Ordering::Relaxed);
                            log_error.lock().get_or_insert(e);
                            return None;
                        }
                    }
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    let p = ReplayProgress {
                        run_id: run_id.clone(),
                        done: n,
                        total,
                    };
                    if let Err(e) = control.report(&p) {
                        stop.cancel();
                        callback_error.lock().get_or_insert(e);
                    }
                    Some(run)
                })
                .collect()
        });
        if let Some(e) = log_error.into_inner() {
            return Err(e);
        }
        if let Some(e) = callback_error.into_inner() {
            return Err(e);
        }
        if stopped() {
            return Err(Error::Cancelled(format!(
                "replay run '{run_id}' stopped after {} of {total} cases; their records are logged",
                done.into_inner()
            )));
        }
        let runs: Vec<ReplayRun> = runs.into_iter().flatten().collect();
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        let report = ReplayReport::from_runs(&run_id, self.inner.options.dry_run, &runs, wall_ms);
        Ok(ReplayOutcome { report, runs })
    }

    /// Runs one case through every stage; never fails (failures land in the record).
    fn run_case(&self, run_id: &str, case: &ReplayCase) -> ReplayRun {
        let opts = &self.inner.options;
        let mut run = ReplayRun {
            schema: REPLAY_RUN_SCHEMA.to_string(),
            run_id: run_id.to_string(),
            case_id: case.case_id.clone(),
            kind: case.kind,
            ts: String::new(),
            model: self.inner.chat.model_name(),
            retrieved_ids: Vec::new(),
            dropped_ids: Vec::new(),
            prompt_sha256: String::new(),
            prompt_tokens: None,
            completion_tokens: None,
            response: String::new(),
            verdict: RunVerdict {
                ok: false,
                violations: Vec::new(),
            },
            stage_ms: Default::default(),
            stage_us: StageUs::default(),
            original_label: case.original_label,
            regression: false,
            dry_run: opts.dry_run,
            error: None,
            error_stage: None,
            error_code: None,
        };
        if let Err((stage, e)) = self.stages(case, &mut run) {
            run.error = Some(format!("{} stage: {e}", stage.as_str()));
            run.error_stage = Some(stage);
            run.error_code = Some(e.code().to_string());
        }
        run.stage_ms = run.stage_us.to_ms();
        run.regression = run.error.is_none()
            && !run.dry_run
            && !run.verdict.ok
            && case.original_label == Some(Label::Pass);
        run.ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        run
    }

    fn stages(&self, case: &ReplayCase, run: &mut ReplayRun) -> Result<(), (Stage, Error)> {
        let inner = &*self.inner;
        let opts = &inner.options;
        let t = &opts.timeouts;

        let known_recipient = match case.kind {
            CaseKind::Fill => None,
            _ => case.recipient.as_ref().and_then(|id| inner.workers.get(id)),
        };
        let query = search_query(case, known_recipient);
        let ranked_ids = timed(run, Stage::Retrieve, t.retrieve_ms, || {
            case.check()?;
            match &inner.search {
                Some(s) if !query.is_empty() => s.search(&query, opts.k),
                _ => Ok(Vec::new()),
            }
        })?;

        let recipient = match (&case.kind, &case.recipient) {
            (CaseKind::Fill, _) | (_, None) => None,
            (_, Some(id)) => Some(known_recipient.ok_or_else(|| {
                (
                    Stage::Bundle,
                    Error::NotFound {
                        what: "recipient worker",
                        name: id.clone(),
                    },
                )
            })?),
        };
        let bundle = timed(run, Stage::Bundle, t.bundle_ms, || {
            // Ids the search knows but the roster does not have no card to show.
            let ranked: Vec<Worker> = ranked_ids
                .iter()
                .filter_map(|id| inner.workers.get(id).cloned())
                .collect();
            build_bundle(&opts.bundle, case, recipient, &ranked)
        })?;
        run.retrieved_ids = bundle.included_ids.clone();
        run.dropped_ids = bundle.dropped_ids.clone();
        run.prompt_sha256 = bundle.prompt_sha256.clone();
        if opts.dry_run {
            run.prompt_tokens = Some(bundle.estimated_tokens);
            return Ok(());
        }

        let params = ChatParams {
            temperature: Some(0.0),
            max_tokens: opts.max_tokens,
            json_mode: opts.json_mode_for_fill && case.kind == CaseKind::Fill,
            timeout_ms: Some(t.chat_ms),
        };
        let completion = timed(run, Stage::Chat, t.chat_ms, || {
            inner.chat.complete(&bundle.messages, &params)
        })?;
        run.model = completion.model;
        run.prompt_tokens = Some(completion.prompt_tokens);
        run.completion_tokens = Some(completion.completion_tokens);
        run.response = completion.content;

        let reply = run.response.clone();
        run.verdict = timed(run, Stage::Validate, t.validate_ms, || {
            inner.checks.check(case, recipient, &reply)
        })?;
        Ok(())
    }
}

/// The case's query, or — for cases recorded without one (evidence records carry
/// none) — the role and location of the order or the recipient.
fn search_query(case: &ReplayCase, recipient: Option<&Worker>) -> String {
    let q = case.query.trim();
    if !q.is_empty() {
        return q.to_string();
    }
    match (&case.job_order, recipient) {
        (Some(o), _) => format!("{} {} {}", o.role, o.city, o.state),
        (None, Some(w)) => format!("{} {} {}", w.role, w.city, w.state),
        (None, None) => String::new(),
    }
}

/// Runs one stage, records its time, and turns an error or an overrun into
/// `(stage, error)`.
fn timed<T>(
    run: &mut ReplayRun,
    stage: Stage,
    limit_ms: u64,
    f: impl FnOnce() -> Result<T>,
) -> Result<T, (Stage, Error)> {
    let start = Instant::now();
    // Stages run user code (chat models, searches, Python or JS callbacks); a panic
    // there fails this case, not the run.
    let out = crate::error::guard(&format!("{} stage", stage.as_str()), f);
    let elapsed = start.elapsed();
    run.stage_us.set(stage, elapsed.as_micros() as u64);
    let value = out.map_err(|e| (stage, e))?;
    if elapsed.as_millis() > u128::from(limit_ms) {
        return Err((
            stage,
            Error::Timeout {
                what: format!("replay {} stage of case '{}'", stage.as_str(), run.case_id),
                ms: limit_ms,
            },
        ));
    }
    Ok(value)
}

/// `replay-<UTC time>-<8 hex>`: sortable, and distinct across concurrent runs (the
/// suffix hashes the time in nanoseconds, the process id and a per-process counter).
fn new_run_id() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let now = chrono::Utc::now();
    let mut seed = Vec::with_capacity(24);
    seed.extend_from_slice(&now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    format!(
        "replay-{}-{:08x}",
        now.format("%Y%m%dT%H%M%S%.3fZ"),
        xxhash_rust::xxh3::xxh3_64(&seed) as u32
    )
}
