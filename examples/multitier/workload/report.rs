//! Latency tallies per scenario and the seed report's table, as text and JSON.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// How many failure messages are kept per scenario.
const KEPT_FAILURES: usize = 5;

/// Latencies and failures of one scenario, gathered by one thread.
pub struct Tally {
    hist: Histogram<u64>,
    runs: u64,
    failures: u64,
    messages: Vec<String>,
}

impl Tally {
    pub fn new() -> Self {
        // Microsecond resolution up to one hour, 3 significant digits.
        let hist = Histogram::new_with_bounds(1, 3_600_000_000, 3)
            .unwrap_or_else(|_| Histogram::new(3).expect("3 significant digits is valid"));
        Tally {
            hist,
            runs: 0,
            failures: 0,
            messages: Vec::new(),
        }
    }

    pub fn record(&mut self, elapsed: Duration, outcome: Result<(), String>) {
        self.runs += 1;
        let micros = u64::try_from(elapsed.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        self.hist.saturating_record(micros);
        if let Err(message) = outcome {
            self.failures += 1;
            if self.messages.len() < KEPT_FAILURES {
                self.messages.push(message);
            }
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.runs += other.runs;
        self.failures += other.failures;
        // Both histograms share bounds, so adding cannot fail; saturate if it ever did.
        if self.hist.add(&other.hist).is_err() {
            for v in other.hist.iter_recorded() {
                self.hist
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
        for m in &other.messages {
            if self.messages.len() < KEPT_FAILURES {
                self.messages.push(m.clone());
            }
        }
    }

    fn summary(&self) -> ScenarioSummary {
        let ms = |q: f64| self.hist.value_at_quantile(q) as f64 / 1000.0;
        ScenarioSummary {
            runs: self.runs,
            failures: self.failures,
            fail_pct: if self.runs == 0 {
                0.0
            } else {
                100.0 * self.failures as f64 / self.runs as f64
            },
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            max_ms: self.hist.max() as f64 / 1000.0,
            failure_messages: self.messages.clone(),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioSummary {
    pub runs: u64,
    pub failures: u64,
    pub fail_pct: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub failure_messages: Vec<String>,
}

/// What the process looked like while and after the workload ran.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Footprint {
    pub peak_rss_mb: f64,
    pub workers_indexed: usize,
    pub playbooks: usize,
    pub workers_graph_state: String,
    pub playbook_graph_state: String,
    pub recovered_panics: u64,
    pub rebuilds: u64,
    pub embed_cache_hit_rate: f64,
    pub workers_vector_mb: f64,
    pub playbook_vector_mb: f64,
}

/// Everything one run produced; serialised as the `--json` file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenarios: BTreeMap<String, ScenarioSummary>,
    pub total_runs: u64,
    pub total_failures: u64,
    pub duration_s: f64,
    pub scenarios_per_sec: f64,
    pub config: serde_json::Value,
    pub setup: serde_json::Value,
    pub footprint: Footprint,
}

impl Report {
    pub fn new(
        tallies: &[(&'static str, Tally)],
        elapsed: Duration,
        config: serde_json::Value,
        setup: serde_json::Value,
        footprint: Footprint,
    ) -> Self {
        let scenarios: BTreeMap<String, ScenarioSummary> = tallies
            .iter()
            .map(|(name, t)| (name.to_string(), t.summary()))
            .collect();
        let total_runs = tallies.iter().map(|(_, t)| t.runs).sum();
        let total_failures = tallies.iter().map(|(_, t)| t.failures).sum();
        let secs = elapsed.as_secs_f64().max(f64::EPSILON);
        Report {
            scenarios,
            total_runs,
            total_failures,
            duration_s: secs,
            scenarios_per_sec: total_runs as f64 / secs,
            config,
            setup,
            footprint,
        }
    }

    /// The seed report's table plus the footprint, in Markdown.
    pub fn render(&self, order: &[&str]) -> String {
        let mut out = String::new();
        out.push_str("| Scenario | Runs | Fail% | p50 | p95 | p99 | max |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        for name in order {
            if let Some(s) = self.scenarios.get(*name) {
                out.push_str(&format!(
                    "| `{name}` | {} | {:.1}% | {:.2}ms | {:.2}ms | {:.2}ms | {:.2}ms |\n",
                    s.runs, s.fail_pct, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms
                ));
            }
        }
        out.push_str(&format!(
            "| **TOTAL** | **{}** | {} failed | | | | |\n\n",
            self.total_runs, self.total_failures
        ));
        out.push_str(&format!(
            "{:.0} scenarios/s over {:.1} s; {}/{} scenarios at 0% failure.\n\n",
            self.scenarios_per_sec,
            self.duration_s,
            self.scenarios.values().filter(|s| s.failures == 0).count(),
            self.scenarios.len()
        ));
        let f = &self.footprint;
        out.push_str("| Footprint | |\n|---|---:|\n");
        out.push_str(&format!("| peak RSS | {:.0} MB |\n", f.peak_rss_mb));
        out.push_str(&format!(
            "| workers index | {} vectors, {:.0} MB of vectors, graph {} |\n",
            f.workers_indexed, f.workers_vector_mb, f.workers_graph_state
        ));
        out.push_str(&format!(
            "| playbook_memory | {} playbooks, {:.1} MB of vectors, graph {} |\n",
            f.playbooks, f.playbook_vector_mb, f.playbook_graph_state
        ));
        out.push_str(&format!(
            "| recovered panics / rebuilds | {} / {} |\n",
            f.recovered_panics, f.rebuilds
        ));
        out.push_str(&format!(
            "| embedding cache hit rate | {:.1}% |\n",
            100.0 * f.embed_cache_hit_rate
        ));
        for (name, s) in &self.scenarios {
            for m in &s.failure_messages {
                out.push_str(&format!("\nfailure in {name}: {m}"));
            }
        }
        out
    }
}

/// Peak resident set size of this process in bytes (Linux `VmHWM`), 0 if unknown.
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
