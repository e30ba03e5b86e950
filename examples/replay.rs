//! Replay recorded cases against a chat server and print the regression report.
//!
//! Runs retrieve → bundle → chat → validate → log for each case and appends one
//! `replay_run.v1` line per case to `<kb>/replay_runs.jsonl`. Any OpenAI-compatible
//! server works (Ollama, vLLM, llama.cpp's server):
//!
//! ```text
//! ollama serve & ollama pull llama3.1
//! cargo run --release -p lakehouse --example replay -- \
//!     --url http://127.0.0.1:11434 --model llama3.1 --cases 30 --concurrency 4
//! ```
//!
//! The worker roster is a synthetic corpus (`--workers`, deterministic by `--seed`),
//! written to `<kb>` as Parquet once and indexed for the live retriever. Cases come from
//! `--cases-file` (JSONL), `--evidence` (an evidence index written by the materializer;
//! its recipients must be in the roster) or, by default, are made from the corpus:
//! outreach emails and SMS to one worker, and fill proposals for a job order.
//! `--write-cases` saves them as JSONL to edit and replay later; `--dry-run` only builds
//! the prompts. Synthetic cases are labelled `pass`, so every failing one counts as a
//! regression. The API key, if the server needs one, comes from
//! `LAKEHOUSE_CHAT_API_KEY` or `OPENAI_API_KEY`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use lakehouse::corpus::{generate_workers, ingest, write_workers_parquet, IngestOptions};
use lakehouse::embed::HashingEmbedder;
use lakehouse::index::{IndexConfig, VectorIndex};
use lakehouse::replay::{
    load_cases_jsonl, load_evidence_index, CaseKind, Label, OpenAiChat, OpenAiChatConfig,
    ReplayCase, ReplayOptions, ReplayRunner, StageTimeouts, WorkerSearch,
};
use lakehouse::retrieve::{Retriever, RetrieverConfig};
use lakehouse::validate::{JobOrder, ValidatorConfig};
use lakehouse::Worker;

#[derive(Parser, Debug)]
#[command(about = "Replay cases through retrieve → bundle → chat → validate → log")]
struct Args {
    /// Chat server root, e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8000 (vLLM).
    #[arg(long)]
    url: String,
    /// Model name the server knows.
    #[arg(long, default_value = "llama3.1")]
    model: String,
    /// Knowledge-base directory; the log goes to <kb>/replay_runs.jsonl.
    #[arg(long, default_value = "kb")]
    kb: PathBuf,
    /// Cases file (JSONL, one ReplayCase per line); synthetic cases when absent.
    #[arg(long)]
    cases_file: Option<PathBuf>,
    /// Replay the generation records of this evidence index (the materializer's output
    /// directory) instead of synthetic cases. Fill records need their job orders, which
    /// this example does not have: they are listed as skipped.
    #[arg(long, conflicts_with = "cases_file")]
    evidence: Option<PathBuf>,
    /// Number of synthetic cases.
    #[arg(long, default_value_t = 30)]
    cases: usize,
    /// Save the synthetic cases to this JSONL file.
    #[arg(long)]
    write_cases: Option<PathBuf>,
    /// Synthetic workers in the corpus.
    #[arg(long, default_value_t = 2_000)]
    workers: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Cases in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Replay only the first N cases.
    #[arg(long)]
    limit: Option<usize>,
    /// Build prompts only: no chat calls, nothing logged.
    #[arg(long)]
    dry_run: bool,
    /// Deadline of one chat call, retries included, in milliseconds.
    #[arg(long, default_value_t = 120_000)]
    chat_timeout_ms: u64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let workers: Vec<Worker> = generate_workers(args.workers, args.seed).collect();
    let cases = match (&args.cases_file, &args.evidence) {
        (Some(path), _) => load_cases_jsonl(path)?,
        (None, Some(dir)) => {
            let found = load_evidence_index(dir, Vec::new())?;
            for s in &found.skipped {
                eprintln!("skipped evidence {}: {}", s.id, s.reason);
            }
            found.cases
        }
        (None, None) => synthetic_cases(&workers, args.cases),
    };
    if let Some(path) = &args.write_cases {
        let lines: Vec<String> = cases
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()?;
        std::fs::write(path, lines.join("\n") + "\n")?;
        eprintln!("wrote {} cases to {}", cases.len(), path.display());
    }

    let chat = OpenAiChat::new(OpenAiChatConfig {
        base_url: args.url.clone(),
        model: args.model.clone(),
        ..Default::default()
    })?;
    let search = retriever_over(&args, &workers)?;
    let options = ReplayOptions {
        concurrency: args.concurrency,
        limit: args.limit,
        dry_run: args.dry_run,
        timeouts: StageTimeouts {
            chat_ms: args.chat_timeout_ms,
            ..Default::default()
        },
        ..Default::default()
    };
    let runner = ReplayRunner::new(
        &args.kb,
        Arc::new(chat),
        Some(search),
        workers,
        ValidatorConfig::default(),
        options,
    )?;
    let progress =
        lakehouse::Control::new().on_progress(|p: &lakehouse::replay::ReplayProgress| {
            if p.done.is_multiple_of(10) || p.done == p.total {
                eprintln!("{}/{} cases", p.done, p.total);
            }
        });
    let outcome = runner.run_with(cases, &progress)?;
    println!("{}", outcome.report);
    if !args.dry_run {
        println!("log: {}", runner.log_path()?.display());
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&outcome.report)?)?;
    }
    Ok(())
}

/// Emails, SMS and fills in turn, each about a different active worker.
fn synthetic_cases(workers: &[Worker], n: usize) -> Vec<ReplayCase> {
    let active: Vec<&Worker> = workers
        .iter()
        .filter(|w| w.status == lakehouse::WorkerStatus::Active)
        .collect();
    if active.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            // A stride co-prime with most corpus sizes spreads cases over the corpus.
            let w = active[(i * 7_919) % active.len()];
            let query = format!("{} in {}, {}", w.role, w.city, w.state);
            let kind = [CaseKind::Email, CaseKind::Sms, CaseKind::Fill][i % 3];
            let (task, recipient, job_order) = match kind {
                CaseKind::Email => (
                    format!(
                        "Invite {} to a {} shift next Tuesday 7am-3pm in {}.",
                        w.first_name, w.role, w.city
                    ),
                    Some(w.worker_id.clone()),
                    None,
                ),
                CaseKind::Sms => (
                    format!(
                        "Text {} about an open {} shift tomorrow morning in {}.",
                        w.first_name, w.role, w.city
                    ),
                    Some(w.worker_id.clone()),
                    None,
                ),
                CaseKind::Fill => (
                    "Propose two workers for this order.".to_string(),
                    None,
                    Some(job_order_for(w, i)),
                ),
            };
            ReplayCase {
                case_id: format!("syn-{i:05}"),
                kind,
                query,
                task,
                recipient,
                job_order,
                original_label: Some(Label::Pass),
            }
        })
        .collect()
}

fn job_order_for(w: &Worker, i: usize) -> JobOrder {
    let day = lakehouse::corpus::REFERENCE_DATE + chrono::Days::new(14 + (i % 7) as u64);
    let at = |h: u32| day.and_hms_opt(h, 0, 0).unwrap_or_default();
    JobOrder {
        order_id: format!("o-{i:05}"),
        client: "Acme Logistics".into(),
        city: w.city.clone(),
        state: w.state.clone(),
        role: w.role.clone(),
        headcount: 2,
        shift_start: at(7),
        shift_end: at(15),
        // At least $20/h keeps synthetic orders above every state minimum.
        pay_rate: ((w.hourly_rate.max(20.0)) * 100.0).round() / 100.0,
        required_certs: w
            .certifications
            .iter()
            .take(1)
            .map(|c| c.name.clone())
            .collect(),
    }
}

/// The live retriever over the corpus: the workers are written to
/// `<kb>/workers_<n>_<seed>.parquet` (once) and ingested with the hashing embedder.
fn retriever_over(args: &Args, workers: &[Worker]) -> lakehouse::Result<Arc<dyn WorkerSearch>> {
    let dim = 384;
    std::fs::create_dir_all(&args.kb).map_err(|e| lakehouse::Error::io(&args.kb, e))?;
    let parquet = args
        .kb
        .join(format!("workers_{}_{}.parquet", args.workers, args.seed));
    if !parquet.exists() {
        write_workers_parquet(&parquet, workers)?;
    }
    let embedder = HashingEmbedder::new(dim)?;
    let index = VectorIndex::new("workers", IndexConfig::new(dim))?;
    let report = ingest(&parquet, &embedder, &index, IngestOptions::default())?;
    eprintln!(
        "indexed {} workers from {}",
        report.indexed,
        parquet.display()
    );
    let playbooks = VectorIndex::new("playbook_memory", IndexConfig::new(dim))?;
    let retriever = Retriever::new(
        Arc::new(embedder),
        index,
        playbooks,
        RetrieverConfig::default(),
    )?;
    Ok(Arc::new(retriever))
}
