//! How a worker is presented to embedders and to metadata filters.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::{Worker, REFERENCE_DATE};

/// The text embedded for a worker: role, place, skills, certifications, experience and
/// summary. Names and contact details are left out: they say nothing about fit and
/// would only add noise to similarity.
///
/// ```
/// let w = lakehouse::corpus::generate_workers(1, 3).next().unwrap();
/// let t = lakehouse::corpus::worker_text(&w);
/// assert!(t.contains(&w.role) && t.contains(&w.city));
/// ```
pub fn worker_text(w: &Worker) -> String {
    let certs: Vec<&str> = w.certifications.iter().map(|c| c.name.as_str()).collect();
    format!(
        "{role}. {city}, {state}. Skills: {skills}. Certifications: {certs}. {years} years experience. {summary}",
        role = w.role,
        city = w.city,
        state = w.state,
        skills = w.skills.join(", "),
        certs = if certs.is_empty() { "none".to_string() } else { certs.join(", ") },
        years = w.years_experience,
        summary = w.summary,
    )
}

/// Filterable metadata stored with a worker's vector, judging certification expiry on
/// [`REFERENCE_DATE`] (see [`worker_metadata_as_of`]).
///
/// Keys: `name`, `city`, `state`, `zip`, `role`, `status`, `skills` (lower case),
/// `certifications` (lower-case names of certifications valid on the date), `phone`,
/// `email`, `rating`, `hourly_rate`, `years_experience`.
pub fn worker_metadata(w: &Worker) -> Value {
    worker_metadata_as_of(w, REFERENCE_DATE)
}

/// [`worker_metadata`] with certifications judged on `as_of`.
pub fn worker_metadata_as_of(w: &Worker, as_of: NaiveDate) -> Value {
    let certs: Vec<String> = w
        .certifications
        .iter()
        .filter(|c| c.expires.is_none_or(|d| d >= as_of))
        .map(|c| c.name.to_lowercase())
        .collect();
    let skills: Vec<String> = w.skills.iter().map(|s| s.to_lowercase()).collect();
    json!({
        "name": w.full_name(),
        "city": w.city,
        "state": w.state,
        "zip": w.zip,
        "role": w.role,
        "status": w.status.as_str(),
        "skills": skills,
        "certifications": certs,
        "phone": w.phone,
        "email": w.email,
        "rating": w.rating,
        "hourly_rate": w.hourly_rate,
        "years_experience": w.years_experience,
    })
}
