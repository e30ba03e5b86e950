//! The six-scenario multitier workload of SPEC §3, run in process on `lakehouse`.
//!
//! Shared by the `multitier` example (the README's first command) and the
//! `multitier` integration test, which runs it on a small corpus.

pub mod drafts;
pub mod report;
pub mod scenarios;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lakehouse::corpus::{self, IngestOptions};
use lakehouse::embed::{Embedder, HashingEmbedder};
use lakehouse::index::{IndexConfig, VectorIndex};
use lakehouse::retrieve::{Retriever, RetrieverConfig};
use lakehouse::store::{Durability, Lakehouse, StoreOptions};
use lakehouse::validate::{EmailValidator, FillValidator, Roster, ValidatorConfig};
use lakehouse::{Error, Worker, WorkerStatus};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use report::{Footprint, Report, Tally};
use scenarios::{Scenario, SCENARIOS};

/// The corpus is data, not workload randomness: one fixed seed, so every run at a given
/// size sees the same workers whatever `--seed` is.
pub const CORPUS_SEED: u64 = 42;

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub workers: usize,
    pub dim: usize,
    pub duration: Duration,
    pub concurrency: usize,
    pub seed: u64,
    pub ef: usize,
    pub data_dir: PathBuf,
    pub fault_rate: f64,
    /// Print a progress line to stderr while running.
    pub progress: bool,
}

/// Everything the scenarios share: built once, used from every thread.
pub struct Env {
    pub retriever: Retriever,
    pub workers_index: VectorIndex,
    pub playbooks: VectorIndex,
    pub email: EmailValidator,
    pub fill: FillValidator,
    pub roster: HashMap<String, Worker>,
    pub agency: drafts::Agency,
    /// (role, city, state) combinations with enough active workers for a fill.
    pub specs: Vec<Spec>,
    /// Broad role queries for the swap scenario, with how many workers have the role.
    pub roles: Vec<(String, usize)>,
    pub ef: usize,
    order_counter: AtomicU64,
}

/// A place and role the workload asks for.
#[derive(Debug, Clone)]
pub struct Spec {
    pub role: String,
    pub city: String,
    pub state: String,
}

impl Env {
    /// A fresh order number, unique within the run (makes "cold" queries cold).
    pub fn next_order(&self) -> u64 {
        self.order_counter.fetch_add(1, Ordering::Relaxed) + 10_000
    }
}

/// What setting up took, reported alongside the scenarios.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SetupReport {
    pub corpus_path: String,
    pub corpus_generated: bool,
    pub generate_s: f64,
    pub index_opened: bool,
    pub ingest_s: f64,
    pub open_s: f64,
    pub roster_s: f64,
    pub specs: usize,
}

fn corpus_path(config: &Config) -> PathBuf {
    let file = if config.workers == 100_000 {
        "workers_100k.parquet".to_string()
    } else {
        format!("workers_{}.parquet", config.workers)
    };
    config.data_dir.join(file)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Generates the corpus if missing, opens (or ingests) the persistent workers index,
/// starts an empty playbook memory, loads the roster and builds the validators.
pub fn setup(config: &Config, log: &dyn Fn(&str)) -> Result<(Env, SetupReport), Error> {
    if config.workers < 10 {
        return Err(Error::InvalidInput(format!(
            "--workers {} is too small; the scenarios need at least 10 workers",
            config.workers
        )));
    }
    let mut rep = SetupReport::default();
    std::fs::create_dir_all(&config.data_dir).map_err(|e| Error::io(&config.data_dir, e))?;
    let path = corpus_path(config);
    rep.corpus_path = path.display().to_string();
    if !path.exists() {
        log(&format!(
            "generating {} workers into {}",
            config.workers,
            path.display()
        ));
        let t = Instant::now();
        let workers = corpus::generate_workers(config.workers, CORPUS_SEED);
        corpus::write_workers_parquet(&path, &workers)?;
        rep.corpus_generated = true;
        rep.generate_s = secs(t);
    }

    let t = Instant::now();
    let roster_workers = corpus::read_workers(&path)?;
    let roster: HashMap<String, Worker> = roster_workers
        .iter()
        .map(|w| (w.worker_id.clone(), w.clone()))
        .collect();
    let validator_config = ValidatorConfig::default();
    let fill = FillValidator::new(
        validator_config.clone(),
        Roster::new(roster_workers.clone()),
    )?;
    let email = EmailValidator::new(validator_config.clone())?;
    rep.roster_s = secs(t);

    let store = Lakehouse::open_with(
        config.data_dir.join("lakehouse"),
        StoreOptions {
            durability: Durability::Buffered { interval_ms: 200 },
            ..StoreOptions::default()
        },
    )?;
    let embedder: Arc<dyn Embedder> = Arc::new(HashingEmbedder::new(config.dim)?);
    let name = format!("workers_{}_{}", config.workers, config.dim);
    let t = Instant::now();
    let existing = if store.list().iter().any(|n| n == &name) {
        let idx = store.index(&name)?;
        if idx.len() == roster.len() {
            Some(idx)
        } else {
            log(&format!(
                "index {name} holds {} workers, corpus has {}: re-ingesting",
                idx.len(),
                roster.len()
            ));
            drop(idx);
            store.drop_index(&name)?;
            None
        }
    } else {
        None
    };
    let workers_index = match existing {
        Some(idx) => {
            rep.index_opened = true;
            rep.open_s = secs(t);
            log(&format!(
                "opened index {name} ({} workers) in {:.2}s",
                idx.len(),
                rep.open_s
            ));
            idx
        }
        None => {
            let mut cfg = IndexConfig::new(config.dim);
            cfg.ef_search = config.ef;
            let idx = store.create_index(&name, cfg)?;
            // Injected faults start with the ingest: the graph misbehaves from the
            // first insert on, and the index must still take every worker.
            set_fault_rate(&[&idx], config)?;
            log(&format!("ingesting {} into index {name}", path.display()));
            let t = Instant::now();
            let bar = indicatif::ProgressBar::new(roster.len() as u64);
            let b2 = bar.clone();
            let report = corpus::ingest_with(
                &path,
                embedder.as_ref(),
                &idx,
                IngestOptions::default(),
                &lakehouse::Control::new().on_progress(move |p: &corpus::IngestProgress| {
                    b2.set_position(p.rows_read as u64)
                }),
            )?;
            bar.finish_and_clear();
            store.snapshot(&name)?;
            rep.ingest_s = secs(t);
            log(&format!(
                "ingested {} workers ({} rejected) in {:.1}s",
                report.indexed,
                report.rejected.len(),
                rep.ingest_s
            ));
            idx
        }
    };

    // Playbook memory starts empty every run, so runs under one seed are comparable and
    // the 0 -> 1 -> many transitions that broke the Go stack happen under load each time.
    if store.list().iter().any(|n| n == "playbook_memory") {
        store.drop_index("playbook_memory")?;
    }
    let mut pb_cfg = IndexConfig::new(config.dim);
    pb_cfg.ef_construction = 100;
    pb_cfg.background_rebuild_min = 256;
    let playbooks = store.create_index("playbook_memory", pb_cfg)?;

    set_fault_rate(&[&workers_index, &playbooks], config)?;
    if workers_index.len() != roster.len() {
        return Err(Error::Internal(format!(
            "index {name} holds {} workers after setup, corpus has {}",
            workers_index.len(),
            roster.len()
        )));
    }

    let retriever = Retriever::new(
        embedder,
        workers_index.clone(),
        playbooks.clone(),
        RetrieverConfig::default(),
    )?;

    let mut combos: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for w in roster.values().filter(|w| w.status == WorkerStatus::Active) {
        *combos
            .entry((w.role.clone(), w.city.clone(), w.state.clone()))
            .or_default() += 1;
    }
    let specs: Vec<Spec> = combos
        .into_iter()
        .filter(|(_, n)| *n >= 3)
        .map(|((role, city, state), _)| Spec { role, city, state })
        .collect();
    if specs.is_empty() {
        return Err(Error::InvalidInput(
            "no city and role has 3 active workers; use a larger --workers".into(),
        ));
    }
    let mut role_counts: BTreeMap<String, usize> = BTreeMap::new();
    for w in roster.values() {
        *role_counts.entry(w.role.clone()).or_default() += 1;
    }
    let roles: Vec<(String, usize)> = role_counts.into_iter().collect();
    rep.specs = specs.len();

    let env = Env {
        retriever,
        workers_index,
        playbooks,
        email,
        fill,
        roster,
        agency: drafts::Agency::from_config(&validator_config),
        specs,
        roles,
        ef: config.ef,
        order_counter: AtomicU64::new(0),
    };
    Ok((env, rep))
}

#[cfg(feature = "fault-injection")]
fn set_fault_rate(indexes: &[&VectorIndex], config: &Config) -> Result<(), Error> {
    for (i, idx) in indexes.iter().enumerate() {
        idx.set_fault_rate(config.fault_rate, config.seed.wrapping_add(i as u64));
    }
    Ok(())
}

#[cfg(not(feature = "fault-injection"))]
fn set_fault_rate(_indexes: &[&VectorIndex], config: &Config) -> Result<(), Error> {
    if config.fault_rate > 0.0 {
        return Err(Error::InvalidInput(
            "--fault-rate needs the fault-injection feature: \
             cargo run --release --features fault-injection --example multitier"
                .into(),
        ));
    }
    Ok(())
}

/// Runs the scenarios from `config.concurrency` threads for `config.duration`.
pub fn run(config: &Config, env: &Env, setup: &SetupReport) -> Report {
    let total = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let deadline = started + config.duration;
    let weights: u32 = SCENARIOS.iter().map(|s| s.weight).sum();

    let per_thread: Vec<Vec<Tally>> = std::thread::scope(|scope| {
        if config.progress {
            let (total, failed, done) = (&total, &failed, &done);
            scope.spawn(move || progress_line(started, config.duration, total, failed, done));
        }
        let handles: Vec<_> = (0..config.concurrency.max(1))
            .map(|thread| {
                let (total, failed) = (&total, &failed);
                scope.spawn(move || {
                    let mut rng = ChaCha8Rng::seed_from_u64(
                        config.seed ^ (thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    );
                    let mut tallies: Vec<Tally> = SCENARIOS.iter().map(|_| Tally::new()).collect();
                    while Instant::now() < deadline {
                        let i = pick(&mut rng, weights);
                        let t = Instant::now();
                        let outcome = (SCENARIOS[i].run)(env, &mut rng);
                        if outcome.is_err() {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        tallies[i].record(t.elapsed(), outcome);
                        total.fetch_add(1, Ordering::Relaxed);
                    }
                    tallies
                })
            })
            .collect();
        let out = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| SCENARIOS.iter().map(|_| Tally::new()).collect())
            })
            .collect();
        done.store(true, Ordering::Relaxed);
        out
    });
    let elapsed = started.elapsed();

    let mut merged: Vec<(&'static str, Tally)> =
        SCENARIOS.iter().map(|s| (s.name, Tally::new())).collect();
    for tallies in &per_thread {
        for (slot, t) in merged.iter_mut().zip(tallies) {
            slot.1.merge(t);
        }
    }
    env.workers_index.wait_idle();
    env.playbooks.wait_idle();
    Report::new(
        &merged,
        elapsed,
        serde_json::to_value(config).unwrap_or_default(),
        serde_json::to_value(setup).unwrap_or_default(),
        footprint(env),
    )
}

fn pick(rng: &mut ChaCha8Rng, weights: u32) -> usize {
    let mut roll = rng.random_range(0..weights);
    for (i, s) in SCENARIOS.iter().enumerate() {
        if roll < s.weight {
            return i;
        }
        roll -= s.weight;
    }
    SCENARIOS.len() - 1
}

fn progress_line(
    started: Instant,
    duration: Duration,
    total: &AtomicU64,
    failed: &AtomicU64,
    done: &AtomicBool,
) {
    use std::io::Write;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(500));
        let t = started.elapsed().as_secs_f64();
        let n = total.load(Ordering::Relaxed);
        eprint!(
            "\r[{:>5.1}s/{}s] {n} scenarios, {:.0}/s, {} failed   ",
            t,
            duration.as_secs(),
            n as f64 / t.max(f64::EPSILON),
            failed.load(Ordering::Relaxed)
        );
        let _ = std::io::stderr().flush();
    }
    eprintln!();
}

fn footprint(env: &Env) -> Footprint {
    let w = env.workers_index.stats();
    let p = env.playbooks.stats();
    let cache = env.retriever.cache_stats();
    let lookups = cache.hits + cache.misses;
    Footprint {
        peak_rss_mb: report::peak_rss_bytes() as f64 / 1_048_576.0,
        workers_indexed: w.live,
        playbooks: p.live,
        workers_graph_state: format!("{:?}", w.graph_state),
        playbook_graph_state: format!("{:?}", p.graph_state),
        recovered_panics: w.recovered_panics + p.recovered_panics,
        rebuilds: w.rebuilds + p.rebuilds,
        embed_cache_hit_rate: if lookups == 0 {
            0.0
        } else {
            cache.hits as f64 / lookups as f64
        },
        workers_vector_mb: w.vector_bytes as f64 / 1_048_576.0,
        playbook_vector_mb: p.vector_bytes as f64 / 1_048_576.0,
    }
}

/// The scenario names in the seed's order, for the table.
pub fn scenario_order() -> Vec<&'static str> {
    SCENARIOS.iter().map(|s: &Scenario| s.name).collect()
}

/// Writes the report as pretty JSON to `path`.
pub fn write_json(report: &Report, path: &Path) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(report).map_err(|e| Error::Json(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
