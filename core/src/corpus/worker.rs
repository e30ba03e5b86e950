//! The `Worker` record: one person the agency can place.
//!
//! This one type serves the corpus (Parquet rows), retrieval (metadata and cards) and
//! the `FillValidator` roster.

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Employment status of a worker with the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStatus {
    /// Can be placed.
    Active,
    /// Not currently taking shifts.
    Inactive,
    /// Must not be placed again by the agency (any client).
    DoNotReturn,
}

impl WorkerStatus {
    /// The stable string used in Parquet and metadata (`active`, `inactive`, `do_not_return`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerStatus::Active => "active",
            WorkerStatus::Inactive => "inactive",
            WorkerStatus::DoNotReturn => "do_not_return",
        }
    }

    /// Parses [`WorkerStatus::as_str`] output.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(WorkerStatus::Active),
            "inactive" => Some(WorkerStatus::Inactive),
            "do_not_return" => Some(WorkerStatus::DoNotReturn),
            _ => None,
        }
    }
}

/// A certification a worker holds (forklift, CNA licence, ServSafe, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certification {
    /// Canonical certification name, e.g. `"OSHA 10"`, `"Forklift"`.
    pub name: String,
    /// Last valid day; `None` when it does not expire.
    pub expires: Option<NaiveDate>,
}

/// One worker of the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    /// Stable unique id, e.g. `"w-000017"`.
    pub worker_id: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// US phone in `555-123-4567` form.
    pub phone: String,
    /// Email address.
    pub email: String,
    /// City of residence.
    pub city: String,
    /// Two-letter US state code.
    pub state: String,
    /// Five-digit ZIP code.
    pub zip: String,
    /// Primary staffing role, e.g. `"forklift operator"`.
    pub role: String,
    /// Skills beyond the role, e.g. `"pallet jack"`.
    pub skills: Vec<String>,
    /// Certifications held, with their expiry.
    pub certifications: Vec<Certification>,
    /// Years of experience in the role.
    pub years_experience: u32,
    /// Expected hourly rate in US dollars.
    pub hourly_rate: f64,
    /// Weekdays the worker takes shifts.
    pub availability: Vec<Weekday>,
    /// Whether the worker can be placed.
    pub status: WorkerStatus,
    /// Coordinator rating, 0.0 to 5.0.
    pub rating: f32,
    /// One-line human summary.
    pub summary: String,
}

impl Worker {
    /// `"First Last"`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}
