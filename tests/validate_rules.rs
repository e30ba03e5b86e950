//! Black-box rule tests for `lakehouse::validate`: for every rule at least one draft
//! (or proposal) that must pass and one that must fail, SMS boundary cases, config
//! handling, and the docs table checked against `RuleCode::ALL`.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, Weekday};
use lakehouse::validate::{
    sms_segments, Assignment, Draft, DraftKind, EmailValidator, FillValidator, JobOrder, Proposal,
    Roster, RuleCode, Severity, SmsEncoding, ValidatorConfig, Verdict,
};
use lakehouse::{Certification, Worker, WorkerStatus};

const ADDRESS: &str = "200 Harbor Street, Lakeside, MI 49116";

fn worker(id: &str, first: &str, last: &str) -> Worker {
    Worker {
        worker_id: id.into(),
        first_name: first.into(),
        last_name: last.into(),
        phone: "555-987-6543".into(),
        email: format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        city: "Lakeside".into(),
        state: "MI".into(),
        zip: "49116".into(),
        role: "forklift operator".into(),
        skills: vec!["picker".into(), "shipping clerk".into()],
        certifications: vec![Certification {
            name: "Forklift".into(),
            expires: NaiveDate::from_ymd_opt(2027, 6, 30),
        }],
        years_experience: 4,
        hourly_rate: 21.0,
        availability: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        status: WorkerStatus::Active,
        rating: 4.5,
        summary: "Forklift operator with 4 years in warehouses".into(),
    }
}

fn maria() -> Worker {
    worker("w-000001", "Maria", "Lopez")
}

/// The multitier workload's email template (examples/multitier/workload/drafts.rs).
fn workload_email(w: &Worker, pay: f64) -> Draft {
    let body = format!(
        "Hi {first},\n\n\
         We have a Forklift Operator shift in {city}, {state} that matches your experience \
         (order 1042). It pays ${pay:.2} an hour and starts next week.\n\n\
         If you are interested, reply to this email or call us at 555-123-4567.\n\n\
         Thanks,\nLakeside Staffing\n{ADDRESS}\n\n\
         To unsubscribe from job alerts, reply with UNSUBSCRIBE.",
        first = w.first_name,
        city = w.city,
        state = w.state,
    );
    Draft {
        kind: DraftKind::Email,
        to: w.email.clone(),
        subject: Some(format!("Forklift Operator shift in {}", w.city)),
        body,
        recipient: Some(w.clone()),
    }
}

/// The multitier workload's SMS template.
fn workload_sms(w: &Worker, pay: f64) -> Draft {
    Draft {
        kind: DraftKind::Sms,
        to: w.phone.clone(),
        subject: None,
        body: format!(
            "Hi {}, Lakeside Staffing: Forklift Operator shift in {}, ${pay:.2}/hr. Call 555-123-4567. Reply STOP to opt out",
            w.first_name, w.city
        ),
        recipient: Some(w.clone()),
    }
}

/// A clean email to Maria with `extra` inserted as its own paragraph.
fn email_with(extra: &str) -> Draft {
    let mut d = workload_email(&maria(), 21.0);
    d.body = d
        .body
        .replacen("\n\nIf you", &format!("\n\n{extra}\n\nIf you"), 1);
    d
}

fn sms_body(body: &str) -> Draft {
    Draft {
        kind: DraftKind::Sms,
        to: "555-987-6543".into(),
        subject: None,
        body: body.into(),
        recipient: Some(maria()),
    }
}

/// A clean SMS to Maria with `extra` before the opt-out line.
fn sms_with(extra: &str) -> Draft {
    sms_body(&format!(
        "Lakeside Staffing: {extra} Call 555-123-4567. Reply STOP to opt out"
    ))
}

fn validator() -> EmailValidator {
    EmailValidator::new(ValidatorConfig::default()).expect("default config is valid")
}

fn describe(v: &Verdict) -> String {
    v.violations
        .iter()
        .map(|x| format!("{} {:?} {}", x.code, x.span, x.message))
        .collect::<Vec<_>>()
        .join("\n  ")
}

#[test]
fn workload_templates_pass_cleanly() {
    let v = validator();
    for w in [
        maria(),
        worker("w-2", "José", "Núñez"),
        worker("w-3", "Mary-Jane", "O'Neil"),
    ] {
        let e = v.validate(&workload_email(&w, 20.0));
        assert!(e.ok && e.violations.is_empty(), "email: {}", describe(&e));
        let s = v.validate(&workload_sms(&w, 20.0));
        assert!(s.ok && s.violations.is_empty(), "sms: {}", describe(&s));
    }
}

/// (rule, draft text, must the rule fire?)
fn email_cases() -> Vec<(RuleCode, Draft, bool)> {
    use RuleCode::*;
    let mut c: Vec<(RuleCode, Draft, bool)> = Vec::new();
    let mut add = |code, d: Draft, fire| c.push((code, d, fire));
    // PII_SSN
    for s in [
        "Call 555-123-4567",
        "1-555-123-4567",
        "(555) 123-4567",
        "1123-45-6789",
        "4412-55-1234-9",
        "000-12-3456",
        "666-12-3456",
        "912-12-3456",
        "123-00-4567",
        "123-45-0000",
        "123-45.6789",
        "order 512347788",
        "SSN 000123456",
    ] {
        add(PiiSsn, email_with(s), false);
        add(PiiSsn, sms_with(s), false);
    }
    for s in [
        "SSN: 512-34-7788",
        "worker id 512-34-7788",
        "ssn 512 34 7788",
        "ssn 512.34.7788",
        "Your social security number is 512347788.",
        "078-05-1120",
        "219-09-9999",
        "123-45-6789",
        "x123-45-6789",
    ] {
        add(PiiSsn, email_with(s), true);
        add(PiiSsn, sms_with(s), true);
    }
    // PII_CREDIT_CARD
    for s in [
        "card 4111 1111 1111 1112",
        "order 123456789012",
        "Call 555-123-4567",
    ] {
        add(PiiCreditCard, email_with(s), false);
    }
    for s in [
        "card 4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "amex 378282246310005",
    ] {
        add(PiiCreditCard, email_with(s), true);
    }
    // PII_BANK_ROUTING
    for s in ["routing 021000022", "order 021000021", "bank hours 9-5"] {
        add(PiiBankRouting, email_with(s), false);
    }
    for s in [
        "routing 021000021",
        "ABA: 011000015",
        "direct deposit to your bank 021000021",
    ] {
        add(PiiBankRouting, email_with(s), true);
    }
    // PII_BANK_ACCOUNT
    for s in ["account 1234567", "order 12345678", "your account is ready"] {
        add(PiiBankAccount, email_with(s), false);
    }
    for s in [
        "account 12345678",
        "acct # 1234567890123",
        "12345678901 is your account",
    ] {
        add(PiiBankAccount, email_with(s), true);
    }
    // PII_DOB
    for s in [
        "shift on 12/07/2026",
        "we need your DOB on file",
        "born to lift",
    ] {
        add(PiiDob, email_with(s), false);
    }
    for s in [
        "DOB: 01/02/1990",
        "date of birth 1990-01-02",
        "born on March 3, 1985",
        "dob 1/2/90",
    ] {
        add(PiiDob, email_with(s), true);
    }
    // PII_OTHER_CONTACT
    for s in [
        "Call 555-123-4567",
        "or (555) 123-4567",
        "your number 555-987-6543",
        "mail jobs@lakesidestaffing.com",
        "mail maria.lopez@example.com",
    ] {
        add(PiiOtherContact, email_with(s), false);
    }
    for s in [
        "call Bob at 555-222-3333",
        "write to bob.smith@gmail.com",
        "text +1 (555) 444-1212",
    ] {
        add(PiiOtherContact, email_with(s), true);
    }
    // SMS_TOO_LONG / SMS_UCS2_ENCODING / SMS_OPT_OUT_MISSING / SMS_SENDER_MISSING
    let base = "Lakeside Staffing: Call 555-123-4567. Reply STOP to opt out";
    let fill = |n: usize| format!("{base} {}", "x".repeat(n - base.len() - 1));
    add(SmsTooLong, sms_body(&fill(160)), false);
    add(SmsTooLong, sms_body(&fill(161)), true);
    add(SmsTooLong, sms_body(&format!("{} ’", fill(67))), false);
    add(SmsTooLong, sms_body(&format!("{} ’", fill(69))), true);
    add(SmsUcs2Encoding, sms_body(base), false);
    add(SmsUcs2Encoding, sms_body(&format!("{base} ’")), true);
    add(SmsUcs2Encoding, sms_body(&format!("{base} 👋")), true);
    add(
        SmsOptOutMissing,
        sms_body("Lakeside Staffing: shift Mon. Reply stop to opt out"),
        false,
    );
    add(
        SmsOptOutMissing,
        sms_body("Lakeside Staffing: shift Mon. Call 555-123-4567"),
        true,
    );
    add(
        SmsOptOutMissing,
        sms_body("Lakeside Staffing: unstoppable team. Call 555-123-4567"),
        true,
    );
    add(
        SmsSenderMissing,
        sms_body("LAKESIDE STAFFING: shift Mon. Reply STOP"),
        false,
    );
    add(
        SmsSenderMissing,
        sms_body("Shift Mon. Call 555-123-4567. Reply STOP to opt out"),
        true,
    );
    // EMAIL_SUBJECT_MISSING / EMAIL_SUBJECT_TOO_LONG
    let subject = |s: Option<&str>| {
        let mut d = email_with("");
        d.subject = s.map(str::to_string);
        d
    };
    add(EmailSubjectMissing, subject(Some("Shift")), false);
    add(EmailSubjectMissing, subject(None), true);
    add(EmailSubjectMissing, subject(Some(" \t")), true);
    add(EmailSubjectTooLong, subject(Some(&"s".repeat(78))), false);
    add(EmailSubjectTooLong, subject(Some(&"s".repeat(79))), true);
    // EMAIL_UNSUBSCRIBE_MISSING / EMAIL_ADDRESS_MISSING
    let mut d = email_with("");
    d.body = d.body.replace(
        "To unsubscribe from job alerts, reply with UNSUBSCRIBE.",
        "To opt out, reply NO.",
    );
    add(EmailUnsubscribeMissing, d.clone(), false);
    d.body = d.body.replace("To opt out, reply NO.", "");
    add(EmailUnsubscribeMissing, d, true);
    let mut d = email_with("");
    d.body = d
        .body
        .replace(ADDRESS, "200 HARBOR STREET\nLakeside MI 49116");
    add(EmailAddressMissing, d.clone(), false);
    d.body = d.body.replace("200 HARBOR STREET", "");
    add(EmailAddressMissing, d, true);
    // BODY_EMPTY
    add(BodyEmpty, email_with(""), false);
    add(BodyEmpty, sms_body(""), true);
    add(BodyEmpty, sms_body(" \n\t"), true);
    let mut d = email_with("");
    d.body.clear();
    add(BodyEmpty, d, true);
    // PLACEHOLDER_UNRESOLVED
    for s in [
        "costs 50% more",
        "item [a]",
        "<b>bold</b><BR>",
        "{ }",
        "json {1}",
    ] {
        add(PlaceholderUnresolved, email_with(s), false);
    }
    for s in [
        "{{first_name}}",
        "{{ city }}",
        "{city}",
        "[NAME]",
        "[FIRST NAME]",
        "<first_name>",
        "<NAME>",
        "Hi %s,",
    ] {
        add(PlaceholderUnresolved, email_with(s), true);
        add(PlaceholderUnresolved, sms_with(s), true);
    }
    // RECIPIENT_NAME_MISMATCH
    for s in [
        "Hi Maria,",
        "Dear Ms. Lopez,",
        "Hi there,",
        "Hello team!",
        "Good morning Maria",
    ] {
        add(RecipientNameMismatch, sms_with(s), false);
        add(
            RecipientNameMismatch,
            sms_body(&format!("{s} Lakeside Staffing shift. Reply STOP")),
            false,
        );
    }
    let mut d = sms_body("Hi John, Lakeside Staffing shift. Reply STOP");
    d.recipient = None;
    add(RecipientNameMismatch, d, false);
    for s in ["Hi John,", "Dear Ms. Smith,", "Hello Mario!"] {
        add(
            RecipientNameMismatch,
            sms_body(&format!("{s} Lakeside Staffing shift. Reply STOP")),
            true,
        );
        add(RecipientNameMismatch, sms_with(s), true);
    }
    let mut d = workload_email(&maria(), 21.0);
    d.body = d.body.replace("Hi Maria", "Hi Ana");
    add(RecipientNameMismatch, d, true);
    // LINK_NOT_ALLOWED
    for s in [
        "apply at https://lakesidestaffing.com/jobs.",
        "see https://jobs.lakesidestaffing.com/a?b=c",
        "www.lakesidestaffing.com",
        "mail jobs@lakesidestaffing.com",
        "i.e. e.g. Mr.Smith",
    ] {
        add(LinkNotAllowed, email_with(s), false);
    }
    for s in [
        "click https://evil.example.com/x",
        "bit.ly/abc123",
        "www.google.com",
        "http://lakesidestaffing.com.evil.io/",
        "https://user@evil.io",
    ] {
        add(LinkNotAllowed, email_with(s), true);
        add(LinkNotAllowed, sms_with(s), true);
    }
    // DISCRIMINATORY_LANGUAGE
    for s in [
        "Must be authorized to work in the US.",
        "Lift under 30 lbs.",
        "Site is in Youngstown.",
        "Sales associate and server roles.",
        "Ask for Sam Young at the gate.",
        "Meet at the Girls Inc. building.",
    ] {
        add(DiscriminatoryLanguage, email_with(s), false);
    }
    let young = worker("w-9", "Ana", "Young");
    let mut d = workload_email(&young, 21.0);
    d.body = d.body.replace("Hi Ana,", "Dear Ms. Young,");
    add(DiscriminatoryLanguage, d.clone(), false);
    d.body = d
        .body
        .replace("Dear Ms. Young,", "Dear Ms. Young, you are young.");
    add(DiscriminatoryLanguage, d, true);
    for s in [
        "Looking for young workers.",
        "Young workers wanted.",
        "Wanted: Young workers.",
        "Recent grads preferred.",
        "Applicants under 30.",
        "Ideal for a digital native.",
        "Waitress needed.",
        "Salesman wanted.",
        "Girls for the front desk.",
        "Native English speaker only.",
        "No foreigners.",
        "Christians only.",
        "Must be able-bodied.",
        "Must not be pregnant.",
        "US citizens only.",
    ] {
        add(DiscriminatoryLanguage, email_with(s), true);
    }
    // PAY_BELOW_MINIMUM (Maria is in MI: 13.73)
    for s in [
        "Pays $13.75/hr.",
        "Pays $20 an hour.",
        "Bonus $5 per shift.",
        "Pays 14 dollars per hour.",
    ] {
        add(PayBelowMinimum, email_with(s), false);
    }
    for s in [
        "Pays $12.00/hr.",
        "Pays $7.25 an hour.",
        "Pays 10 dollars an hour.",
        "$9 per hour",
    ] {
        add(PayBelowMinimum, email_with(s), true);
    }
    // PROFANITY
    for s in [
        "Hello and welcome.",
        "A classic shift.",
        "Scrap metal yard.",
    ] {
        add(Profanity, email_with(s), false);
    }
    for s in ["Damn good pay.", "No bullshit."] {
        add(Profanity, email_with(s), true);
    }
    c
}

#[test]
fn every_draft_rule_passes_and_fails_as_the_table_says() {
    let v = validator();
    let mut seen_pass = BTreeSet::new();
    let mut seen_fail = BTreeSet::new();
    let mut bad = Vec::new();
    for (code, draft, fire) in email_cases() {
        let verdict = v.validate(&draft);
        if verdict.has(code) != fire {
            bad.push(format!(
                "{code} expected {} on {:?}: {}",
                if fire { "to fire" } else { "not to fire" },
                draft.body,
                describe(&verdict)
            ));
        }
        // Spans always lie on char boundaries inside the body.
        for x in &verdict.violations {
            if let Some(s) = x.span {
                assert!(draft.body.get(s.start..s.end).is_some(), "bad span {s:?}");
            }
            if x.severity == Severity::Error {
                assert!(!verdict.ok);
            }
        }
        if fire {
            seen_fail.insert(code);
            let sev = verdict
                .violations
                .iter()
                .find(|x| x.code == code)
                .map(|x| x.severity);
            if verdict.has(code) && sev != Some(code.default_severity()) {
                bad.push(format!("{code} reported with severity {sev:?}"));
            }
        } else {
            seen_pass.insert(code);
        }
    }
    assert!(
        bad.is_empty(),
        "{} failures:\n{}",
        bad.len(),
        bad.join("\n")
    );
    for code in RuleCode::ALL
        .iter()
        .filter(|c| !c.as_str().starts_with("FILL_"))
    {
        assert!(seen_pass.contains(code), "{code} has no passing case");
        assert!(seen_fail.contains(code), "{code} has no failing case");
    }
}

#[test]
fn spans_and_messages_point_at_the_problem() {
    let v = validator();
    let d = sms_with("SSN: 512-34-7788");
    let verdict = v.validate(&d);
    let x = &verdict.violations[0];
    assert_eq!(x.code, RuleCode::PiiSsn);
    let s = x.span.expect("span");
    assert_eq!(&d.body[s.start..s.end], "512-34-7788");
    assert!(
        !x.message.contains("512-34"),
        "message must not echo the SSN: {}",
        x.message
    );

    let body = format!("Lakeside Staffing: Reply STOP {}", "a".repeat(150));
    let verdict = v.validate(&sms_body(&body));
    let x = verdict
        .violations
        .iter()
        .find(|x| x.code == RuleCode::SmsTooLong)
        .expect("too long");
    assert_eq!(
        x.message,
        "SMS is 2 segments (180 GSM-7 characters); one segment holds 160"
    );
    assert_eq!(x.span.map(|s| (s.start, s.end)), Some((160, 180)));

    let verdict = v.validate(&sms_body("Lakeside Staffing: it’s on. Reply STOP"));
    let x = &verdict.violations[0];
    assert_eq!(x.code, RuleCode::SmsUcs2Encoding);
    assert!(x.message.contains("U+2019"), "{}", x.message);
    assert!(verdict.ok, "UCS-2 alone is a warning");
}

#[test]
fn subject_is_checked_for_leaks_too() {
    let mut d = email_with("");
    d.subject = Some("Your SSN 512-34-7788".into());
    let verdict = validator().validate(&d);
    let x = verdict
        .violations
        .iter()
        .find(|x| x.code == RuleCode::PiiSsn)
        .expect("ssn");
    assert!(x.span.is_none() && x.message.starts_with("in the subject"));
}

#[test]
fn pay_floor_follows_the_job_state() {
    let v = validator();
    let mut w = maria();
    w.state = "TX".into();
    let mut d = email_with("Pays $7.25/hr.");
    d.recipient = Some(w.clone());
    assert!(
        !v.validate(&d).has(RuleCode::PayBelowMinimum),
        "TX uses the federal floor"
    );
    d.body = d.body.replace("$7.25", "$7.00");
    assert!(v.validate(&d).has(RuleCode::PayBelowMinimum));
    d.body = d.body.replace("$7.00", "$15.00");
    let job = order("ord-1", 1, 20.0);
    assert_eq!(job.state, "WA");
    let verdict = v.validate_for_job(&d, &job);
    let x = verdict
        .violations
        .iter()
        .find(|x| x.code == RuleCode::PayBelowMinimum)
        .expect("WA floor");
    assert!(
        x.message.contains("WA minimum wage $17.13"),
        "{}",
        x.message
    );
}

#[test]
fn sms_segment_boundaries() {
    let gsm = |n: usize| sms_segments(&"a".repeat(n));
    assert_eq!(gsm(0).segments, 0);
    assert_eq!(
        (gsm(160).encoding, gsm(160).units, gsm(160).segments),
        (SmsEncoding::Gsm7, 160, 1)
    );
    assert_eq!((gsm(161).units, gsm(161).segments), (161, 2));
    assert_eq!(gsm(306).segments, 2);
    assert_eq!(gsm(307).segments, 3);
    let euro = sms_segments(&format!("{}€", "a".repeat(159)));
    assert_eq!(
        (euro.encoding, euro.units, euro.segments),
        (SmsEncoding::Gsm7, 161, 2)
    );
    let euro = sms_segments(&format!("{}€", "a".repeat(158)));
    assert_eq!((euro.units, euro.segments), (160, 1));
    for c in ['^', '{', '}', '\\', '[', ']', '~', '|', '€', '\u{0C}'] {
        assert_eq!(
            sms_segments(&c.to_string()).units,
            2,
            "{c:?} is an extension char"
        );
    }
    for c in ['@', '£', 'é', 'Ñ', 'ß', '¿', '§', 'Δ', '\n', '$'] {
        assert_eq!(
            sms_segments(&c.to_string()).units,
            1,
            "{c:?} is basic GSM-7"
        );
    }
    let ucs = |n: usize| sms_segments(&format!("’{}", "a".repeat(n - 1)));
    assert_eq!(
        (ucs(70).encoding, ucs(70).units, ucs(70).segments),
        (SmsEncoding::Ucs2, 70, 1)
    );
    assert_eq!((ucs(71).units, ucs(71).segments), (71, 2));
    assert_eq!(ucs(134).segments, 2);
    assert_eq!(ucs(135).segments, 3);
    let emoji = sms_segments("👋");
    assert_eq!(
        (emoji.encoding, emoji.units, emoji.segments),
        (SmsEncoding::Ucs2, 2, 1)
    );
    // 69 units + an emoji (2) = 71: two segments.
    assert_eq!(sms_segments(&format!("{}👋", "a".repeat(69))).segments, 2);
    // A backtick is ASCII but not GSM-7.
    assert_eq!(sms_segments("`").encoding, SmsEncoding::Ucs2);
}

#[test]
fn config_overrides_severity_and_switches() {
    let cfg = ValidatorConfig::from_json(
        r#"{"rules": {"PROFANITY": {"severity": "error"}, "PII_SSN": {"enabled": false}},
            "link_allow_list": [], "max_sms_segments": 2}"#,
    )
    .expect("valid config");
    let v = EmailValidator::new(cfg).expect("valid");
    let verdict = v.validate(&email_with("Damn. SSN 512-34-7788"));
    assert!(!verdict.ok);
    assert!(verdict.has(RuleCode::Profanity) && !verdict.has(RuleCode::PiiSsn));
    assert!(v
        .validate(&email_with("https://lakesidestaffing.com"))
        .has(RuleCode::LinkNotAllowed));
    let long = format!("Lakeside Staffing. Reply STOP {}", "a".repeat(200));
    assert!(!v.validate(&sms_body(&long)).has(RuleCode::SmsTooLong));

    for bad in [
        r#"{"rules": {"PII_SNN": {"enabled": false}}}"#,
        r#"{"max_sms_segments": 0}"#,
        r#"{"minimum_wages": {"CA": -1}}"#,
        r#"{"link_allow_list": ["https:///x"]}"#,
    ] {
        let e = ValidatorConfig::from_json(bad).expect_err(bad);
        assert_eq!(e.code(), "INVALID_CONFIG", "{bad}");
    }
    assert_eq!(
        ValidatorConfig::from_json(r#"{"agency_nmae": "x"}"#)
            .map_err(|e| e.code())
            .err(),
        Some("JSON")
    );
    let json = serde_json::to_string(&ValidatorConfig::default()).expect("serialises");
    assert_eq!(
        ValidatorConfig::from_json(&json).expect("round trip"),
        ValidatorConfig::default()
    );
}

#[test]
fn codes_serialise_as_their_stable_strings() {
    for code in RuleCode::ALL {
        assert_eq!(RuleCode::parse(code.as_str()), Some(*code));
        let json = serde_json::to_string(code).expect("serialises");
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        let back: RuleCode = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, *code);
    }
    let unique: BTreeSet<_> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(unique.len(), RuleCode::ALL.len());
}

/// The module docs hold the one code table; it must list exactly `RuleCode::ALL`, in
/// order, with the default severities.
#[test]
fn docs_table_matches_rule_codes() {
    let src = include_str!("../core/src/validate/mod.rs");
    let rows: Vec<(String, String)> = src
        .lines()
        .filter_map(|l| l.strip_prefix("//! | `"))
        .filter_map(|rest| {
            let (code, rest) = rest.split_once('`')?;
            let sev = rest
                .trim_start_matches([' ', '|'])
                .split('|')
                .next()?
                .trim();
            Some((code.to_string(), sev.to_string()))
        })
        .collect();
    let expected: Vec<(String, String)> = RuleCode::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_string(),
                c.default_severity().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(rows, expected);
}

// ---------------------------------------------------------------- FillValidator

fn at(day: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, day)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .expect("valid date")
}

fn order(id: &str, headcount: u32, pay: f64) -> JobOrder {
    JobOrder {
        order_id: id.into(),
        client: "Acme Logistics".into(),
        city: "Seattle".into(),
        state: "WA".into(),
        role: "forklift operator".into(),
        headcount,
        // Monday 2026-12-07, 08:00-16:00.
        shift_start: at(7, 8),
        shift_end: at(7, 16),
        pay_rate: pay,
        required_certs: vec!["forklift".into()],
    }
}

fn wa(id: &str) -> Worker {
    let mut w = worker(id, "Sam", "Lee");
    w.city = "Seattle".into();
    w.state = "WA".into();
    w
}

fn roster() -> Roster {
    let mut ws = vec![wa("a"), wa("b"), wa("c")];
    let mut w = wa("other-state");
    w.state = "OR".into();
    ws.push(w);
    let mut w = wa("other-city");
    w.city = "Tacoma".into();
    ws.push(w);
    let mut w = wa("skilled");
    w.role = "warehouse associate".into();
    w.skills = vec!["Forklift Operator".into()];
    ws.push(w);
    let mut w = wa("cook");
    w.role = "line cook".into();
    w.skills = vec![];
    ws.push(w);
    let mut w = wa("nocert");
    w.certifications.clear();
    ws.push(w);
    let mut w = wa("expired");
    w.certifications[0].expires = NaiveDate::from_ymd_opt(2026, 12, 6);
    ws.push(w);
    let mut w = wa("expires-that-day");
    w.certifications[0].expires = NaiveDate::from_ymd_opt(2026, 12, 7);
    ws.push(w);
    let mut w = wa("inactive");
    w.status = WorkerStatus::Inactive;
    ws.push(w);
    let mut w = wa("agency-dnr");
    w.status = WorkerStatus::DoNotReturn;
    ws.push(w);
    ws.push(wa("client-dnr"));
    ws.push(wa("booked"));
    ws.push(wa("busy-week"));
    ws.push(wa("light-week"));
    let mut w = wa("weekends");
    w.availability = vec![Weekday::Sat, Weekday::Sun];
    ws.push(w);
    let mut r = Roster::new(ws).with_assignments(vec![
        Assignment {
            worker_id: "booked".into(),
            order_id: "ord-9".into(),
            start: at(7, 12),
            end: at(7, 20),
        },
        Assignment {
            worker_id: "b".into(),
            order_id: "ord-1".into(),
            start: at(7, 8),
            end: at(7, 16),
        },
    ]);
    for (d, id) in [
        (8, "busy-week"),
        (9, "busy-week"),
        (10, "busy-week"),
        (11, "busy-week"),
        (8, "light-week"),
    ] {
        r.add_assignment(Assignment {
            worker_id: id.into(),
            order_id: format!("ord-{d}"),
            start: at(d, 8),
            end: at(d, 17),
        });
    }
    r.add_do_not_return("acme logistics ", "client-dnr");
    r
}

fn fill_cases() -> Vec<(RuleCode, JobOrder, Proposal, bool)> {
    use RuleCode::*;
    let p = |oid: &str, ids: &[&str]| Proposal {
        order_id: oid.into(),
        worker_ids: ids.iter().map(|s| s.to_string()).collect(),
    };
    let o = order("ord-1", 2, 20.0);
    let one = order("ord-1", 1, 20.0);
    vec![
        (FillOrderMismatch, o.clone(), p("ord-1", &["a", "b"]), false),
        (FillOrderMismatch, o.clone(), p("ord-2", &["a", "b"]), true),
        (FillOrderMismatch, o.clone(), p("", &["a", "b"]), true),
        (FillEmpty, o.clone(), p("ord-1", &["a"]), false),
        (FillEmpty, o.clone(), p("ord-1", &[]), true),
        (FillUnknownWorker, o.clone(), p("ord-1", &["a", "b"]), false),
        (FillUnknownWorker, o.clone(), p("ord-1", &["a", "zz"]), true),
        (
            FillDuplicateWorker,
            o.clone(),
            p("ord-1", &["a", "c"]),
            false,
        ),
        (
            FillDuplicateWorker,
            o.clone(),
            p("ord-1", &["a", "a"]),
            true,
        ),
        (FillOverHeadcount, o.clone(), p("ord-1", &["a", "b"]), false),
        (
            FillOverHeadcount,
            o.clone(),
            p("ord-1", &["a", "b", "c"]),
            true,
        ),
        (
            FillUnderHeadcount,
            o.clone(),
            p("ord-1", &["a", "b"]),
            false,
        ),
        (FillUnderHeadcount, o.clone(), p("ord-1", &["a"]), true),
        (
            FillLocationMismatch,
            one.clone(),
            p("ord-1", &["other-city"]),
            false,
        ),
        (
            FillLocationMismatch,
            one.clone(),
            p("ord-1", &["other-state"]),
            true,
        ),
        (FillCityMismatch, one.clone(), p("ord-1", &["a"]), false),
        (
            FillCityMismatch,
            one.clone(),
            p("ord-1", &["other-state"]),
            false,
        ),
        (
            FillCityMismatch,
            one.clone(),
            p("ord-1", &["other-city"]),
            true,
        ),
        (
            FillRoleMismatch,
            one.clone(),
            p("ord-1", &["skilled"]),
            false,
        ),
        (FillRoleMismatch, one.clone(), p("ord-1", &["cook"]), true),
        (FillCertMissing, one.clone(), p("ord-1", &["a"]), false),
        (FillCertMissing, one.clone(), p("ord-1", &["nocert"]), true),
        (
            FillCertExpired,
            one.clone(),
            p("ord-1", &["expires-that-day"]),
            false,
        ),
        (FillCertExpired, one.clone(), p("ord-1", &["expired"]), true),
        (FillWorkerInactive, one.clone(), p("ord-1", &["a"]), false),
        (
            FillWorkerInactive,
            one.clone(),
            p("ord-1", &["inactive"]),
            true,
        ),
        (FillWorkerDnr, one.clone(), p("ord-1", &["a"]), false),
        (
            FillWorkerDnr,
            JobOrder {
                client: "Other Co".into(),
                ..one.clone()
            },
            p("ord-1", &["client-dnr"]),
            false,
        ),
        (
            FillWorkerDnr,
            one.clone(),
            p("ord-1", &["client-dnr"]),
            true,
        ),
        (
            FillWorkerDnr,
            one.clone(),
            p("ord-1", &["agency-dnr"]),
            true,
        ),
        (FillDoubleBooked, one.clone(), p("ord-1", &["b"]), false),
        (FillDoubleBooked, one.clone(), p("ord-1", &["booked"]), true),
        (
            FillOvertime,
            one.clone(),
            p("ord-1", &["light-week"]),
            false,
        ),
        (FillOvertime, one.clone(), p("ord-1", &["busy-week"]), true),
        (FillUnavailable, one.clone(), p("ord-1", &["a"]), false),
        (
            FillUnavailable,
            one.clone(),
            p("ord-1", &["weekends"]),
            true,
        ),
        (
            FillPayBelowMinimum,
            order("ord-1", 1, 17.13),
            p("ord-1", &["a"]),
            false,
        ),
        (
            FillPayBelowMinimum,
            order("ord-1", 1, 17.0),
            p("ord-1", &["a"]),
            true,
        ),
        (
            FillPayBelowMinimum,
            order("ord-1", 1, f64::NAN),
            p("ord-1", &["a"]),
            true,
        ),
    ]
}

#[test]
fn every_fill_rule_passes_and_fails_as_the_table_says() {
    let v = FillValidator::new(ValidatorConfig::default(), roster()).expect("valid roster");
    let mut seen = BTreeSet::new();
    let mut bad = Vec::new();
    for (code, order, proposal, fire) in fill_cases() {
        let verdict = v.validate(&order, &proposal);
        if verdict.has(code) != fire {
            bad.push(format!(
                "{code} expected fire={fire} for {:?}: {}",
                proposal.worker_ids,
                describe(&verdict)
            ));
        }
        if fire && verdict.has(code) {
            let x = verdict
                .violations
                .iter()
                .find(|x| x.code == code)
                .expect("present");
            let per_worker = !matches!(
                code,
                RuleCode::FillOrderMismatch
                    | RuleCode::FillEmpty
                    | RuleCode::FillOverHeadcount
                    | RuleCode::FillUnderHeadcount
                    | RuleCode::FillPayBelowMinimum
            );
            if per_worker && x.worker_id.is_none() {
                bad.push(format!("{code} does not name its worker"));
            }
        }
        seen.insert((code, fire));
    }
    assert!(
        bad.is_empty(),
        "{} failures:\n{}",
        bad.len(),
        bad.join("\n")
    );
    for code in RuleCode::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("FILL_"))
    {
        assert!(seen.contains(&(*code, false)), "{code} has no passing case");
        assert!(seen.contains(&(*code, true)), "{code} has no failing case");
    }
}

#[test]
fn two_local_certified_workers_fill_cleanly() {
    let v = FillValidator::new(ValidatorConfig::default(), roster()).expect("valid");
    let mut o = order("ord-7", 2, 20.0);
    o.required_certs.clear();
    let p = Proposal {
        order_id: "ord-7".into(),
        worker_ids: vec!["a".into(), "c".into()],
    };
    let verdict = v.validate(&o, &p);
    assert!(
        verdict.ok && verdict.violations.is_empty(),
        "{}",
        describe(&verdict)
    );
    // Recording the fill makes the same workers double-booked for another order.
    for id in ["a", "c"] {
        v.assign(Assignment {
            worker_id: id.into(),
            order_id: "ord-7".into(),
            start: o.shift_start,
            end: o.shift_end,
        })
        .expect("known worker");
    }
    assert!(
        v.validate(&o, &p).ok,
        "re-validating the same order is fine"
    );
    let other = JobOrder {
        order_id: "ord-8".into(),
        ..o
    };
    let verdict = v.validate(
        &other,
        &Proposal {
            order_id: "ord-8".into(),
            ..p
        },
    );
    assert_eq!(
        verdict.codes(),
        vec![RuleCode::FillDoubleBooked, RuleCode::FillDoubleBooked]
    );
    assert_eq!(verdict.violations[1].worker_id.as_deref(), Some("c"));
}

#[test]
fn bad_rosters_and_assignments_are_typed_errors() {
    let e = FillValidator::new(
        ValidatorConfig::default(),
        Roster::new(vec![wa("a"), wa("a")]),
    )
    .expect_err("dup");
    assert_eq!(e.code(), "INVALID_INPUT");
    let v = FillValidator::new(ValidatorConfig::default(), roster()).expect("valid");
    let bad = Assignment {
        worker_id: "a".into(),
        order_id: "x".into(),
        start: at(7, 10),
        end: at(7, 9),
    };
    assert_eq!(
        v.assign(bad).map_err(|e| e.code()).err(),
        Some("INVALID_INPUT")
    );
    let unknown = Assignment {
        worker_id: "zz".into(),
        order_id: "x".into(),
        start: at(7, 8),
        end: at(7, 9),
    };
    assert_eq!(
        v.assign(unknown).map_err(|e| e.code()).err(),
        Some("NOT_FOUND")
    );
    let json = r#"{"order_id":"o","client":"c","city":"Seattle","state":"WA","role":"r","headcount":1,
        "shift_start":"2026-12-07T08:00:00","shift_end":"2026-12-07T16:00:00","pay_rate":20.0,
        "required_certifications":["Forklift"]}"#;
    let o: JobOrder = serde_json::from_str(json).expect("alias accepted");
    assert_eq!(o.required_certs, vec!["Forklift".to_string()]);
}
