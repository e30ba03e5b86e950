//! Template drafts the workload validates. No LLM here (that is replay's job): the point
//! is that realistic outreach, phone number included, passes the validators with the
//! default configuration, and a template mistake would show up as a failed scenario.

use chrono::{NaiveDate, NaiveTime};
use lakehouse::validate::{Draft, DraftKind, JobOrder, ValidatorConfig};
use lakehouse::Worker;

use super::Spec;

/// The agency the drafts come from: the validators' configured agency.
pub struct Agency {
    pub name: String,
    pub phone: String,
    pub address: String,
}

impl Agency {
    pub fn from_config(config: &ValidatorConfig) -> Self {
        Agency {
            name: config.agency_name.clone(),
            phone: config.agency_phone.clone(),
            address: config.agency_address.clone(),
        }
    }
}

/// Capitalises each word of a lowercase role ("forklift operator" → "Forklift Operator").
fn title(role: &str) -> String {
    role.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An outreach email offering `worker` a shift at `pay` dollars an hour.
pub fn email(agency: &Agency, worker: &Worker, pay: f64, order_no: u64) -> Draft {
    let role = title(&worker.role);
    let body = format!(
        "Hi {first},\n\n\
         We have a {role} shift in {city}, {state} that matches your experience \
         (order {order_no}). It pays ${pay:.2} an hour and starts next week.\n\n\
         If you are interested, reply to this email or call us at {phone}.\n\n\
         Thanks,\n{agency}\n{address}\n\n\
         To unsubscribe from job alerts, reply with UNSUBSCRIBE.",
        first = worker.first_name,
        city = worker.city,
        state = worker.state,
        phone = agency.phone,
        agency = agency.name,
        address = agency.address,
    );
    Draft {
        kind: DraftKind::Email,
        to: worker.email.clone(),
        subject: Some(format!("{role} shift in {}", worker.city)),
        body,
        recipient: Some(worker.clone()),
    }
}

/// A one-segment SMS offering `worker` a shift; it always carries the agency phone,
/// the number the Go stack's SSN detector used to flag.
pub fn sms(agency: &Agency, worker: &Worker, pay: f64) -> Draft {
    let mut body = format!(
        "Hi {}, {}: {} shift in {}, ${pay:.2}/hr. Call {}. Reply STOP to opt out",
        worker.first_name,
        agency.name,
        title(&worker.role),
        worker.city,
        agency.phone,
    );
    if body.chars().count() > 160 {
        // Long city or role names: drop the role, keep the phone and the opt-out.
        body = format!(
            "Hi {}, {}: shift in {}, ${pay:.2}/hr. Call {}. Reply STOP to opt out",
            worker.first_name, agency.name, worker.city, agency.phone,
        );
    }
    Draft {
        kind: DraftKind::Sms,
        to: worker.phone.clone(),
        subject: None,
        body,
        recipient: Some(worker.clone()),
    }
}

/// The reference day shifts are planned from; fixed so runs are reproducible and
/// certification expiry (relative to the shift) does not depend on the clock.
pub fn reference_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default()
}

/// A day shift (08:00–16:00 on the reference day) for `headcount` workers of the
/// spec's role in its city.
pub fn job_order(
    order_no: u64,
    client: &str,
    spec: &Spec,
    headcount: u32,
    pay_rate: f64,
) -> JobOrder {
    let day = reference_day();
    let start = day.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default());
    let end = day.and_time(NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default());
    JobOrder {
        order_id: format!("ord-{order_no}"),
        client: client.to_string(),
        city: spec.city.clone(),
        state: spec.state.clone(),
        role: spec.role.clone(),
        headcount,
        shift_start: start,
        shift_end: end,
        pay_rate,
        required_certs: Vec::new(),
    }
}
