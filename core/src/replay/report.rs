//! The run summary: pass rate, failures by code, regressions, tokens, stage latency.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::case::Label;
use super::record::{ReplayRun, Stage};

/// Latency percentiles of one stage, in milliseconds (nearest-rank).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    /// Cases that ran the stage.
    pub count: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl LatencyStats {
    /// Percentiles of `samples` (any order); all zero when empty.
    ///
    /// ```
    /// let s = lakehouse::replay::LatencyStats::from_samples(&[3.0, 1.0, 2.0, 4.0]);
    /// assert_eq!((s.p50, s.p99, s.max), (2.0, 4.0, 4.0));
    /// ```
    pub fn from_samples(samples: &[f64]) -> LatencyStats {
        if samples.is_empty() {
            return LatencyStats::default();
        }
        let mut v = samples.to_vec();
        v.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let idx = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            v[idx]
        };
        LatencyStats {
            count: v.len(),
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: v[v.len() - 1],
        }
    }
}

/// Summary of one replay run.
///
/// A case *passes* when every stage ran and the verdict is ok; it *fails* when the
/// verdict has an error-severity violation (a malformed fill proposal included); it is
/// an *error* when a stage could not complete (HTTP failure, timeout, unknown
/// recipient…). A *regression* is a case labelled `pass` originally whose verdict now
/// fails; errors are not regressions (the model was never judged), they are counted
/// in `errors_by_code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// The run id written on every record.
    pub run_id: String,
    /// Bundle-only run.
    pub dry_run: bool,
    /// Cases replayed.
    pub cases: usize,
    /// Verdict ok.
    pub passed: usize,
    /// Verdict failed.
    pub failed: usize,
    /// A stage failed before a verdict.
    pub errors: usize,
    /// `passed / cases` (0 when there are no cases).
    pub pass_rate: f64,
    /// Error-severity violation code → number of cases failing with it.
    pub failures_by_code: BTreeMap<String, usize>,
    /// Error code (`HTTP`, `TIMEOUT`, …) → number of cases.
    pub errors_by_code: BTreeMap<String, usize>,
    /// Cases labelled `pass` originally that fail now.
    pub regressions: usize,
    /// Their ids, sorted.
    pub regression_case_ids: Vec<String>,
    /// Cases labelled `fail` originally that pass now.
    pub fixed: usize,
    /// Sum of prompt tokens.
    pub prompt_tokens: u64,
    /// Sum of completion tokens.
    pub completion_tokens: u64,
    /// Per-stage latency (`retrieve`, `bundle`, `chat`, `validate`).
    pub stage_latency_ms: BTreeMap<String, LatencyStats>,
    /// Wall time of the whole run.
    pub wall_ms: f64,
}

impl ReplayReport {
    /// Summarises `runs` (one per case).
    pub fn from_runs(run_id: &str, dry_run: bool, runs: &[ReplayRun], wall_ms: f64) -> Self {
        let mut r = ReplayReport {
            run_id: run_id.to_string(),
            dry_run,
            cases: runs.len(),
            passed: 0,
            failed: 0,
            errors: 0,
            pass_rate: 0.0,
            failures_by_code: BTreeMap::new(),
            errors_by_code: BTreeMap::new(),
            regressions: 0,
            regression_case_ids: Vec::new(),
            fixed: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            stage_latency_ms: BTreeMap::new(),
            wall_ms,
        };
        let stages = [Stage::Retrieve, Stage::Bundle, Stage::Chat, Stage::Validate];
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); stages.len()];
        for run in runs {
            r.prompt_tokens += run.prompt_tokens.unwrap_or(0);
            r.completion_tokens += run.completion_tokens.unwrap_or(0);
            for (i, s) in stages.iter().enumerate() {
                if let Some(us) = run.stage_us.get(*s) {
                    samples[i].push(us as f64 / 1000.0);
                }
            }
            if run.error.is_some() {
                r.errors += 1;
                let code = run.error_code.clone().unwrap_or_else(|| "INTERNAL".into());
                *r.errors_by_code.entry(code).or_default() += 1;
                continue;
            }
            if run.dry_run {
                // Bundle only: neither a pass nor a failure.
                continue;
            }
            if run.verdict.ok {
                r.passed += 1;
                if run.original_label == Some(Label::Fail) {
                    r.fixed += 1;
                }
            } else {
                r.failed += 1;
                for code in run.verdict.error_codes() {
                    *r.failures_by_code.entry(code.to_string()).or_default() += 1;
                }
                if run.regression {
                    r.regressions += 1;
                    r.regression_case_ids.push(run.case_id.clone());
                }
            }
        }
        r.regression_case_ids.sort();
        if r.cases > 0 {
            r.pass_rate = r.passed as f64 / r.cases as f64;
        }
        for (i, s) in stages.iter().enumerate() {
            r.stage_latency_ms.insert(
                s.as_str().to_string(),
                LatencyStats::from_samples(&samples[i]),
            );
        }
        r
    }
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "replay {}{}: {} cases, {} passed, {} failed, {} errors, pass rate {:.1}%",
            self.run_id,
            if self.dry_run { " (dry run)" } else { "" },
            self.cases,
            self.passed,
            self.failed,
            self.errors,
            self.pass_rate * 100.0
        )?;
        writeln!(
            f,
            "regressions: {}   fixed: {}   tokens: {} prompt + {} completion   wall: {:.0} ms",
            self.regressions, self.fixed, self.prompt_tokens, self.completion_tokens, self.wall_ms
        )?;
        for (code, n) in &self.failures_by_code {
            writeln!(f, "  fail  {code:<28} {n}")?;
        }
        for (code, n) in &self.errors_by_code {
            writeln!(f, "  error {code:<28} {n}")?;
        }
        writeln!(
            f,
            "{:<9} {:>6} {:>10} {:>10} {:>10} {:>10}",
            "stage", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"
        )?;
        for stage in ["retrieve", "bundle", "chat", "validate"] {
            let Some(s) = self.stage_latency_ms.get(stage) else {
                continue;
            };
            writeln!(
                f,
                "{:<9} {:>6} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
                stage, s.count, s.p50, s.p95, s.p99, s.max
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = LatencyStats::from_samples(&v);
        assert_eq!(
            (s.count, s.p50, s.p95, s.p99, s.max),
            (100, 50.0, 95.0, 99.0, 100.0)
        );
        assert_eq!(LatencyStats::from_samples(&[]), LatencyStats::default());
        let one = LatencyStats::from_samples(&[7.0]);
        assert_eq!((one.p50, one.p99), (7.0, 7.0));
    }
}
