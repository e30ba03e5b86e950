//! Fuzzes both validators and `sms_segments` with arbitrary UTF-8.
//!
//! Input layout: the first byte picks the draft kind and whether a recipient is
//! attached; the rest is UTF-8 text whose first line is the subject (and, for the fill
//! validator, the order's state/role) and the remainder the body (whose lines are also
//! used as proposed worker ids). Besides panics, the target aborts when a span is not
//! on a char boundary inside the body or `ok` disagrees with the severities.

#![no_main]

use std::sync::LazyLock;

use chrono::{NaiveDate, Weekday};
use lakehouse::validate::{
    sms_segments, Draft, DraftKind, EmailValidator, FillValidator, JobOrder, Proposal, Roster,
    Severity, Verdict,
};
use lakehouse::{Certification, Worker, WorkerStatus};
use libfuzzer_sys::fuzz_target;

fn worker(id: &str) -> Worker {
    Worker {
        worker_id: id.into(),
        first_name: "Maria".into(),
        last_name: "Lopez".into(),
        phone: "555-987-6543".into(),
        email: "maria@example.com".into(),
        city: "Lakeside".into(),
        state: "MI".into(),
        zip: "49116".into(),
        role: "picker".into(),
        skills: vec!["forklift operator".into()],
        certifications: vec![Certification {
            name: "Forklift".into(),
            expires: NaiveDate::from_ymd_opt(2026, 12, 31),
        }],
        years_experience: 2,
        hourly_rate: 18.0,
        availability: vec![Weekday::Mon, Weekday::Tue],
        status: WorkerStatus::Active,
        rating: 4.0,
        summary: String::new(),
    }
}

static EMAIL: LazyLock<EmailValidator> =
    LazyLock::new(|| EmailValidator::new(Default::default()).expect("default config is valid"));
static FILL: LazyLock<FillValidator> = LazyLock::new(|| {
    let roster = Roster::new(vec![worker("w-1"), worker("w-2")]);
    FillValidator::new(Default::default(), roster).expect("unique ids")
});

fn check(body: &str, v: &Verdict) {
    for x in &v.violations {
        if let Some(s) = x.span {
            assert!(s.start <= s.end && s.end <= body.len(), "span {s:?} outside body");
            assert!(body.is_char_boundary(s.start) && body.is_char_boundary(s.end));
        }
    }
    assert_eq!(v.ok, v.violations.iter().all(|x| x.severity != Severity::Error));
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (subject, body) = text.split_once('\n').unwrap_or(("", text));

    let draft = Draft {
        kind: if flags & 1 == 0 { DraftKind::Email } else { DraftKind::Sms },
        to: subject.to_string(),
        subject: Some(subject.to_string()),
        body: body.to_string(),
        recipient: (flags & 2 != 0).then(|| worker("w-1")),
    };
    check(body, &EMAIL.validate(&draft));
    if flags & 8 != 0 {
        // The job's state as the pay floor (any two chars, valid code or not).
        let state: String = subject.chars().take(2).collect();
        check(body, &EMAIL.validate_in_state(&draft, &state));
    }
    let info = sms_segments(body);
    assert_eq!(info.segments == 0, body.is_empty());

    let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("valid date");
    let order = JobOrder {
        order_id: "ord-1".into(),
        client: subject.to_string(),
        city: "Lakeside".into(),
        state: subject.chars().take(2).collect(),
        role: subject.to_string(),
        headcount: u32::from(flags >> 4),
        shift_start: day.and_hms_opt(8, 0, 0).expect("valid time"),
        shift_end: day.and_hms_opt(16, 0, 0).expect("valid time"),
        pay_rate: f64::from(flags),
        required_certs: body.lines().take(3).map(str::to_string).collect(),
    };
    let proposal = Proposal {
        order_id: if flags & 4 == 0 { "ord-1".into() } else { subject.to_string() },
        worker_ids: body.lines().take(8).map(str::to_string).collect(),
    };
    let v = FILL.validate(&order, &proposal);
    assert_eq!(v.ok, v.violations.iter().all(|x| x.severity != Severity::Error));
});
