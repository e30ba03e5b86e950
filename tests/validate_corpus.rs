//! The validator corpus: realistic outreach drafts in `tests/fixtures/validate/drafts.json`
//! (SMS and email, benign and leaking, typographic punctuation, non-ASCII names, long
//! emails), each with the exact rule codes it must produce. Benign drafts must produce
//! no error-severity violation; every span must index the original body.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Weekday};
use lakehouse::validate::{
    Draft, DraftKind, EmailValidator, JobOrder, RuleCode, Severity, ValidatorConfig,
};
use lakehouse::{Worker, WorkerStatus};
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    drafts: Vec<Case>,
}

#[derive(Deserialize)]
struct Person {
    first_name: String,
    last_name: String,
    state: String,
    phone: String,
    email: String,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    kind: DraftKind,
    benign: bool,
    expect: Vec<String>,
    #[serde(default)]
    recipient: Option<Person>,
    #[serde(default)]
    job_state: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    subject: Option<String>,
    body: String,
}

fn worker(p: &Person) -> Worker {
    Worker {
        worker_id: "w-corpus".into(),
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        city: "Lakeside".into(),
        state: p.state.clone(),
        zip: "49116".into(),
        role: "general labor".into(),
        skills: vec![],
        certifications: vec![],
        years_experience: 2,
        hourly_rate: 20.0,
        availability: vec![Weekday::Mon],
        status: WorkerStatus::Active,
        rating: 4.0,
        summary: String::new(),
    }
}

fn job(state: &str) -> JobOrder {
    let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    JobOrder {
        order_id: "o-corpus".into(),
        client: "Acme".into(),
        city: "Somewhere".into(),
        state: state.into(),
        role: "general labor".into(),
        headcount: 1,
        shift_start: day.and_hms_opt(8, 0, 0).expect("time"),
        shift_end: day.and_hms_opt(16, 0, 0).expect("time"),
        pay_rate: 20.0,
        required_certs: vec![],
    }
}

#[test]
fn corpus_drafts_produce_exactly_their_expected_codes() {
    let corpus: Corpus =
        serde_json::from_str(include_str!("fixtures/validate/drafts.json")).expect("corpus parses");
    let v = EmailValidator::new(ValidatorConfig::default()).expect("default config");
    let kinds: BTreeSet<(bool, bool)> = corpus
        .drafts
        .iter()
        .map(|c| (c.kind == DraftKind::Sms, c.benign))
        .collect();
    assert_eq!(kinds.len(), 4, "SMS and email, benign and leaking");
    let mut bad = Vec::new();
    for c in &corpus.drafts {
        let draft = Draft {
            kind: c.kind,
            to: c.to.clone(),
            subject: c.subject.clone(),
            body: c.body.clone(),
            recipient: c.recipient.as_ref().map(worker),
        };
        let verdict = match &c.job_state {
            Some(s) => v.validate_for_job(&draft, &job(s)),
            None => v.validate(&draft),
        };
        for x in &verdict.violations {
            if let Some(s) = x.span {
                assert!(
                    c.body.get(s.start..s.end).is_some(),
                    "{}: span {s:?} is not a char range of the body",
                    c.name
                );
            }
        }
        let got: BTreeSet<&str> = verdict.violations.iter().map(|x| x.code.as_str()).collect();
        let want: BTreeSet<&str> = c.expect.iter().map(String::as_str).collect();
        for code in &want {
            assert!(
                RuleCode::parse(code).is_some(),
                "{}: unknown code {code}",
                c.name
            );
        }
        let errors: Vec<&str> = verdict
            .violations
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .map(|x| x.code.as_str())
            .collect();
        if got != want || (c.benign && !errors.is_empty()) {
            bad.push(format!(
                "{}: expected {want:?}, got:\n    {}",
                c.name,
                verdict
                    .violations
                    .iter()
                    .map(|x| format!(
                        "{} {:?} {:?} {}",
                        x.code,
                        x.span,
                        x.span.and_then(|s| c.body.get(s.start..s.end)),
                        x.message
                    ))
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} drafts off:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
