//! [`FillValidator`]: checks a [`Proposal`] of workers for a [`JobOrder`] against a
//! [`Roster`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDateTime};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::config::ResolvedRules;
use super::{RuleCode, Sink, ValidatorConfig, Verdict};
use crate::{Error, Result, Worker, WorkerStatus};

/// A client's request for workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOrder {
    /// Order id; a proposal must name the same.
    pub order_id: String,
    /// Client name; keys the do-not-return lists (case-insensitive).
    pub client: String,
    /// City of the work site.
    pub city: String,
    /// Two-letter US state code.
    pub state: String,
    /// Role needed, e.g. `"forklift operator"`.
    pub role: String,
    /// Workers needed.
    pub headcount: u32,
    /// Shift start (local time of the site).
    pub shift_start: NaiveDateTime,
    /// Shift end; a shift may cross midnight.
    pub shift_end: NaiveDateTime,
    /// Hourly pay in US dollars.
    pub pay_rate: f64,
    /// Certification names every worker must hold, unexpired, at the end of the shift
    /// (compared case-insensitively).
    #[serde(default, alias = "required_certifications")]
    pub required_certs: Vec<String>,
}

/// Workers proposed for an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The order the proposal answers.
    #[serde(default)]
    pub order_id: String,
    /// Proposed worker ids, in preference order.
    pub worker_ids: Vec<String>,
}

/// A shift a worker is already booked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The booked worker.
    pub worker_id: String,
    /// The order the booking fills.
    pub order_id: String,
    /// Shift start.
    pub start: NaiveDateTime,
    /// Shift end (after `start`).
    pub end: NaiveDateTime,
}

/// Workers by id with their current assignments and the clients' do-not-return lists.
///
/// ```
/// use lakehouse::validate::Roster;
///
/// let mut roster = Roster::new(Vec::new());
/// roster.add_do_not_return("Acme Logistics", "w-000017");
/// assert!(roster.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Roster {
    workers: HashMap<String, Worker>,
    assignments: HashMap<String, Vec<Assignment>>,
    do_not_return: HashMap<String, HashSet<String>>,
    duplicate_ids: Vec<String>,
}

fn client_key(client: &str) -> String {
    client.trim().to_lowercase()
}

impl Roster {
    /// A roster of `workers`. Worker ids must be unique; [`FillValidator::new`] rejects
    /// a roster that had duplicates.
    pub fn new(workers: Vec<Worker>) -> Self {
        let mut map = HashMap::with_capacity(workers.len());
        let mut duplicate_ids = Vec::new();
        for w in workers {
            if map.contains_key(&w.worker_id) {
                duplicate_ids.push(w.worker_id.clone());
            } else {
                map.insert(w.worker_id.clone(), w);
            }
        }
        Roster {
            workers: map,
            duplicate_ids,
            ..Roster::default()
        }
    }

    /// Adds current assignments (builder form of [`Roster::add_assignment`]).
    pub fn with_assignments(mut self, assignments: Vec<Assignment>) -> Self {
        for a in assignments {
            self.add_assignment(a);
        }
        self
    }

    /// Records a shift the worker is booked for.
    pub fn add_assignment(&mut self, a: Assignment) {
        self.assignments
            .entry(a.worker_id.clone())
            .or_default()
            .push(a);
    }

    /// Puts a worker on a client's do-not-return list.
    pub fn add_do_not_return(&mut self, client: &str, worker_id: &str) {
        self.do_not_return
            .entry(client_key(client))
            .or_default()
            .insert(worker_id.to_string());
    }

    /// The worker with this id.
    pub fn get(&self, worker_id: &str) -> Option<&Worker> {
        self.workers.get(worker_id)
    }

    /// Number of workers.
    pub fn len(&self) -> usize {
        self.workers.len()
    }

    /// True without workers.
    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }

    /// The worker's recorded assignments.
    pub fn assignments(&self, worker_id: &str) -> &[Assignment] {
        self.assignments.get(worker_id).map_or(&[], Vec::as_slice)
    }

    fn on_do_not_return(&self, client: &str, worker_id: &str) -> bool {
        self.do_not_return
            .get(&client_key(client))
            .is_some_and(|ids| ids.contains(worker_id))
    }
}

/// Checks fill proposals against a roster.
///
/// Cheap to clone; clones share the roster, so assignments recorded through
/// [`FillValidator::assign`] are seen by every clone.
#[derive(Debug, Clone)]
pub struct FillValidator {
    inner: Arc<FillInner>,
}

#[derive(Debug)]
struct FillInner {
    config: ValidatorConfig,
    rules: ResolvedRules,
    roster: RwLock<Roster>,
}

fn check_assignment(a: &Assignment) -> Result<()> {
    if a.end <= a.start {
        return Err(Error::invalid(format!(
            "assignment of '{}' to order '{}' ends ({}) before it starts ({})",
            a.worker_id, a.order_id, a.end, a.start
        )));
    }
    Ok(())
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn hours(d: Duration) -> f64 {
    d.num_seconds().max(0) as f64 / 3600.0
}

impl FillValidator {
    /// Builds a validator; fails with `INVALID_CONFIG` on a bad config and
    /// `INVALID_INPUT` on a roster with duplicate worker ids or an assignment that ends
    /// before it starts.
    pub fn new(config: ValidatorConfig, roster: Roster) -> Result<Self> {
        config.check()?;
        if let Some(id) = roster.duplicate_ids.first() {
            return Err(Error::invalid(format!(
                "roster lists worker id '{id}' more than once"
            )));
        }
        for a in roster.assignments.values().flatten() {
            check_assignment(a)?;
        }
        Ok(FillValidator {
            inner: Arc::new(FillInner {
                rules: config.resolve_rules(),
                config,
                roster: RwLock::new(roster),
            }),
        })
    }

    /// The configuration this validator applies.
    pub fn config(&self) -> &ValidatorConfig {
        &self.inner.config
    }

    /// Number of workers in the roster.
    pub fn roster_len(&self) -> usize {
        self.inner.roster.read().len()
    }

    /// Records an accepted fill so later proposals see the booking.
    pub fn assign(&self, a: Assignment) -> Result<()> {
        check_assignment(&a)?;
        let mut roster = self.inner.roster.write();
        if roster.get(&a.worker_id).is_none() {
            return Err(Error::NotFound {
                what: "worker",
                name: a.worker_id,
            });
        }
        roster.add_assignment(a);
        Ok(())
    }

    /// Puts a worker on a client's do-not-return list.
    pub fn add_do_not_return(&self, client: &str, worker_id: &str) {
        self.inner
            .roster
            .write()
            .add_do_not_return(client, worker_id);
    }

    /// Checks `proposal` for `order`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use lakehouse::validate::{FillValidator, JobOrder, Proposal, Roster, RuleCode, ValidatorConfig};
    ///
    /// let v = FillValidator::new(ValidatorConfig::default(), Roster::new(Vec::new())).unwrap();
    /// let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    /// let order = JobOrder {
    ///     order_id: "ord-1".into(), client: "acme".into(), city: "Lakeside".into(),
    ///     state: "MI".into(), role: "picker".into(), headcount: 1,
    ///     shift_start: day.and_hms_opt(8, 0, 0).unwrap(),
    ///     shift_end: day.and_hms_opt(16, 0, 0).unwrap(),
    ///     pay_rate: 18.0, required_certs: vec![],
    /// };
    /// let proposal = Proposal { order_id: "ord-1".into(), worker_ids: vec!["w-9".into()] };
    /// let verdict = v.validate(&order, &proposal);
    /// assert_eq!(verdict.codes(), vec![RuleCode::FillUnknownWorker]);
    /// ```
    pub fn validate(&self, order: &JobOrder, proposal: &Proposal) -> Verdict {
        let inner = &*self.inner;
        let roster = inner.roster.read();
        let mut sink = Sink::new(&inner.rules);
        if proposal.order_id != order.order_id {
            sink.push(
                RuleCode::FillOrderMismatch,
                format!(
                    "proposal is for order '{}', not '{}'",
                    proposal.order_id, order.order_id
                ),
                None,
                None,
            );
        }
        let floor = inner.config.minimum_wage(&order.state);
        if !order.pay_rate.is_finite() || order.pay_rate < floor {
            sink.push(
                RuleCode::FillPayBelowMinimum,
                format!(
                    "order pays ${:.2}/hour, below the {} minimum wage ${floor:.2} (table of {})",
                    order.pay_rate,
                    order.state.trim().to_ascii_uppercase(),
                    super::MINIMUM_WAGE_TABLE_DATE
                ),
                None,
                None,
            );
        }
        if proposal.worker_ids.is_empty() {
            sink.push(RuleCode::FillEmpty, "no worker proposed".into(), None, None);
            return sink.finish();
        }
        let mut seen = HashSet::new();
        for id in &proposal.worker_ids {
            if !seen.insert(id.as_str()) {
                sink.push(
                    RuleCode::FillDuplicateWorker,
                    format!("worker '{id}' is proposed more than once"),
                    None,
                    Some(id),
                );
                continue;
            }
            match roster.get(id) {
                None => sink.push(
                    RuleCode::FillUnknownWorker,
                    format!("worker '{id}' is not in the roster"),
                    None,
                    Some(id),
                ),
                Some(w) => self.check_worker(order, w, &roster, &mut sink),
            }
        }
        let n = seen.len();
        let need = order.headcount as usize;
        if n > need {
            sink.push(
                RuleCode::FillOverHeadcount,
                format!(
                    "{n} workers proposed; order '{}' needs {need}",
                    order.order_id
                ),
                None,
                None,
            );
        } else if n < need {
            sink.push(
                RuleCode::FillUnderHeadcount,
                format!(
                    "{n} workers proposed; order '{}' needs {need} (partial fill)",
                    order.order_id
                ),
                None,
                None,
            );
        }
        sink.finish()
    }

    fn check_worker(&self, order: &JobOrder, w: &Worker, roster: &Roster, sink: &mut Sink<'_>) {
        let id = w.worker_id.as_str();
        let who = format!("{} ({id})", w.full_name());
        if !w.state.trim().eq_ignore_ascii_case(order.state.trim()) {
            sink.push(
                RuleCode::FillLocationMismatch,
                format!("{who} is in {}, the order is in {}", w.state, order.state),
                None,
                Some(id),
            );
        } else if norm(&w.city) != norm(&order.city) {
            sink.push(
                RuleCode::FillCityMismatch,
                format!("{who} is in {}, the order is in {}", w.city, order.city),
                None,
                Some(id),
            );
        }
        let role = norm(&order.role);
        if norm(&w.role) != role && !w.skills.iter().any(|s| norm(s) == role) {
            sink.push(
                RuleCode::FillRoleMismatch,
                format!("{who} is a {} without the skill '{}'", w.role, order.role),
                None,
                Some(id),
            );
        }
        self.check_certs(order, w, &who, sink);
        match w.status {
            WorkerStatus::Active => {}
            WorkerStatus::Inactive => sink.push(
                RuleCode::FillWorkerInactive,
                format!("{who} is inactive"),
                None,
                Some(id),
            ),
            WorkerStatus::DoNotReturn => sink.push(
                RuleCode::FillWorkerDnr,
                format!("{who} is on the agency's do-not-return list"),
                None,
                Some(id),
            ),
        }
        if roster.on_do_not_return(&order.client, id) {
            sink.push(
                RuleCode::FillWorkerDnr,
                format!("{who} is on {}'s do-not-return list", order.client),
                None,
                Some(id),
            );
        }
        self.check_schedule(order, w, &who, roster, sink);
    }

    fn check_certs(&self, order: &JobOrder, w: &Worker, who: &str, sink: &mut Sink<'_>) {
        let id = w.worker_id.as_str();
        let shift_end_day = order.shift_end.date();
        for req in &order.required_certs {
            let want = norm(req);
            let held: Vec<_> = w
                .certifications
                .iter()
                .filter(|c| norm(&c.name) == want)
                .collect();
            if held.is_empty() {
                sink.push(
                    RuleCode::FillCertMissing,
                    format!("{who} lacks the required certification '{req}'"),
                    None,
                    Some(id),
                );
                continue;
            }
            // Several records of one certification: the latest expiry counts.
            let never = held.iter().any(|c| c.expires.is_none());
            let latest = held.iter().filter_map(|c| c.expires).max();
            if let (false, Some(exp)) = (never, latest) {
                if exp < shift_end_day {
                    sink.push(
                        RuleCode::FillCertExpired,
                        format!(
                            "{who}'s '{req}' certification expires {exp}, before the shift ends {}",
                            order.shift_end
                        ),
                        None,
                        Some(id),
                    );
                }
            }
        }
    }

    fn check_schedule(
        &self,
        order: &JobOrder,
        w: &Worker,
        who: &str,
        roster: &Roster,
        sink: &mut Sink<'_>,
    ) {
        let id = w.worker_id.as_str();
        let (start, end) = (order.shift_start, order.shift_end);
        let others: Vec<&Assignment> = roster
            .assignments(id)
            .iter()
            .filter(|a| a.order_id != order.order_id)
            .collect();
        if let Some(a) = others.iter().find(|a| a.start < end && start < a.end) {
            sink.push(
                RuleCode::FillDoubleBooked,
                format!(
                    "{who} is already booked for order '{}' from {} to {}",
                    a.order_id, a.start, a.end
                ),
                None,
                Some(id),
            );
        }
        let day = start.date();
        let week_start = (day - Duration::days(i64::from(day.weekday().num_days_from_monday())))
            .and_hms_opt(0, 0, 0)
            .unwrap_or(start);
        let week_end = week_start + Duration::days(7);
        let booked: f64 = others
            .iter()
            .map(|a| hours(a.end.min(week_end) - a.start.max(week_start)))
            .sum();
        let total = booked + hours(end - start);
        let limit = self.inner.config.weekly_hours_limit;
        if total > limit {
            sink.push(
                RuleCode::FillOvertime,
                format!(
                    "the shift brings {who} to {total:.1} hours in the week of {} (limit {limit})",
                    week_start.date()
                ),
                None,
                Some(id),
            );
        }
        let weekday = start.weekday();
        if !w.availability.contains(&weekday) {
            sink.push(
                RuleCode::FillUnavailable,
                format!("{who} does not take shifts on {weekday}"),
                None,
                Some(id),
            );
        }
    }
}
