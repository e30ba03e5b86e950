//! Property tests: the validators never panic on arbitrary Unicode, spans always fall
//! on char boundaries inside the body, and `sms_segments` is self-consistent.

use chrono::{NaiveDate, NaiveDateTime, Weekday};
use lakehouse::validate::{
    sms_segments, Draft, DraftKind, EmailValidator, FillValidator, JobOrder, Proposal, Roster,
    Severity, SmsEncoding, ValidatorConfig, Verdict,
};
use lakehouse::{Worker, WorkerStatus};
use proptest::prelude::*;

/// Pieces that reach every detector: digits with delimiters, context words, markers,
/// links, greetings, multi-byte characters right next to matches.
const FRAGMENTS: &[&str] = &[
    "512-34-7788",
    "555-123-4567",
    "1-",
    "-9",
    "4111 1111 1111 1111",
    "021000021",
    "SSN ",
    "routing ",
    "account ",
    "acct ",
    "DOB ",
    "born ",
    "01/02/1990",
    "March 3, 1985",
    "$",
    "7.25",
    "/hr",
    " an hour",
    "{{",
    "}}",
    "{name}",
    "[NAME]",
    "<first_name>",
    "%s",
    "Hi ",
    "Dear Ms. ",
    "John",
    "Maria",
    "https://",
    "www.",
    "evil.io",
    "bit.ly/x",
    "@",
    "x@y.com",
    "young",
    "under 30",
    "able-bodied",
    "damn",
    "STOP",
    "Lakeside Staffing",
    "€",
    "’",
    "👋",
    "é",
    "\u{0}",
    "\n",
    " ",
    ".",
    "-",
    "é1",
    "١٢٣",
    "ǅ",
    "\u{200D}",
    "ſ",
    "\u{212A}",
    "Wſw.",
    "ſtop",
    "unde\u{212A}",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => any::<String>(),
            1 => "[0-9 .-]{1,20}",
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

fn recipient() -> Worker {
    Worker {
        worker_id: "w-1".into(),
        first_name: "Maria".into(),
        last_name: "Lopez".into(),
        phone: "555-987-6543".into(),
        email: "maria@example.com".into(),
        city: "Lakeside".into(),
        state: "MI".into(),
        zip: "49116".into(),
        role: "picker".into(),
        skills: vec![],
        certifications: vec![],
        years_experience: 1,
        hourly_rate: 18.0,
        availability: vec![Weekday::Mon],
        status: WorkerStatus::Active,
        rating: 4.0,
        summary: String::new(),
    }
}

fn check(body: &str, verdict: &Verdict) -> Result<(), TestCaseError> {
    for v in &verdict.violations {
        if let Some(s) = v.span {
            prop_assert!(
                s.start <= s.end && s.end <= body.len(),
                "span {s:?} outside body"
            );
            prop_assert!(body.is_char_boundary(s.start) && body.is_char_boundary(s.end));
        }
    }
    let ok = verdict
        .violations
        .iter()
        .all(|v| v.severity != Severity::Error);
    prop_assert_eq!(verdict.ok, ok);
    Ok(())
}

fn validator() -> EmailValidator {
    EmailValidator::new(ValidatorConfig::default()).expect("default config")
}

fn run_all(v: &EmailValidator, body: String, subject: String) -> Result<(), TestCaseError> {
    for kind in [DraftKind::Email, DraftKind::Sms] {
        for recipient in [None, Some(recipient())] {
            let d = Draft {
                kind,
                to: subject.clone(),
                subject: Some(subject.clone()),
                body: body.clone(),
                recipient,
            };
            check(&body, &v.validate(&d))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn email_validator_never_panics_on_unicode(body in any::<String>(), subject in any::<String>()) {
        run_all(&validator(), body, subject)?;
    }

    #[test]
    fn email_validator_never_panics_on_detector_soup(body in fragments(), subject in fragments()) {
        run_all(&validator(), body, subject)?;
    }

    #[test]
    fn sms_segments_are_consistent(text in fragments()) {
        let info = sms_segments(&text);
        match info.encoding {
            SmsEncoding::Gsm7 => {
                let chars = text.chars().count();
                prop_assert!(info.units >= chars && info.units <= 2 * chars);
                if info.segments > 1 {
                    prop_assert!(info.units > 160 && info.segments * 153 >= info.units);
                }
            }
            SmsEncoding::Ucs2 => {
                prop_assert_eq!(info.units, text.encode_utf16().count());
                if info.segments > 1 {
                    prop_assert!(info.units > 70 && info.segments * 67 >= info.units);
                }
            }
        }
        prop_assert_eq!(info.segments == 0, text.is_empty());
    }

    #[test]
    fn fill_validator_never_panics(
        ids in prop::collection::vec(any::<String>(), 0..6),
        order_id in any::<String>(),
        state in any::<String>(),
        role in any::<String>(),
        headcount in any::<u32>(),
        pay in any::<f64>(),
        start_min in -100_000i64..100_000,
        len_min in -2_000i64..20_000,
    ) {
        let base: NaiveDateTime = NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("valid");
        let start = base + chrono::Duration::minutes(start_min);
        let mut workers = vec![recipient()];
        for (i, id) in ids.iter().enumerate() {
            let mut w = recipient();
            w.worker_id = format!("{id}{i}");
            w.state = state.clone();
            workers.push(w);
        }
        let v = FillValidator::new(ValidatorConfig::default(), Roster::new(workers)).expect("unique ids");
        let order = JobOrder {
            order_id: order_id.clone(),
            client: state.clone(),
            city: role.clone(),
            state,
            role,
            headcount,
            shift_start: start,
            shift_end: start + chrono::Duration::minutes(len_min),
            pay_rate: pay,
            required_certs: ids.clone(),
        };
        let mut worker_ids = ids.clone();
        worker_ids.push("w-1".into());
        let verdict = v.validate(&order, &Proposal { order_id, worker_ids });
        let ok = verdict.violations.iter().all(|x| x.severity != Severity::Error);
        prop_assert_eq!(verdict.ok, ok);
    }
}
