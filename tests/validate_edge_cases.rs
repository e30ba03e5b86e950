//! The "Decisions on edge cases (2026-12)" of the validator rules, one test per class
//! of miss (issue 17) and per decision, each with drafts that must fire and drafts
//! that must not. Written from the rules: typographic punctuation, cards next to other
//! numbers, WHATWG hosts, capitalised job-ad wording, pay forms and add-ons, date of
//! birth forms, opt-out instructions, obfuscated profanity, placeholders.

use chrono::{NaiveDate, Weekday};
use lakehouse::validate::{
    Draft, DraftKind, EmailValidator, JobOrder, RuleCode, Severity, ValidatorConfig, Verdict,
};
use lakehouse::{Certification, Worker, WorkerStatus};

const ADDRESS: &str = "200 Harbor Street, Lakeside, MI 49116";

fn person(first: &str, last: &str, state: &str) -> Worker {
    Worker {
        worker_id: format!("w-{}", first.to_lowercase()),
        first_name: first.into(),
        last_name: last.into(),
        phone: "555-987-6543".into(),
        email: format!("{}@example.com", first.to_lowercase()),
        city: "Lakeside".into(),
        state: state.into(),
        zip: "49116".into(),
        role: "forklift operator".into(),
        skills: vec!["picker".into()],
        certifications: vec![Certification {
            name: "Forklift".into(),
            expires: NaiveDate::from_ymd_opt(2027, 6, 30),
        }],
        years_experience: 4,
        hourly_rate: 21.0,
        availability: vec![Weekday::Mon, Weekday::Tue],
        status: WorkerStatus::Active,
        rating: 4.5,
        summary: String::new(),
    }
}

fn maria() -> Worker {
    person("Maria", "Lopez", "MI")
}

/// A clean email to Maria (MI) with `extra` as its own paragraph.
fn email_with(extra: &str) -> Draft {
    Draft {
        kind: DraftKind::Email,
        to: "maria@example.com".into(),
        subject: Some("Forklift shift in Lakeside".into()),
        body: format!(
            "Hi Maria,\n\nWe have a forklift shift in Lakeside next week.\n\n{extra}\n\n\
             Call us at 555-123-4567.\n\nLakeside Staffing\n{ADDRESS}\n\n\
             To unsubscribe, reply UNSUBSCRIBE."
        ),
        recipient: Some(maria()),
    }
}

/// A clean SMS to Maria with `extra` before the opt-out line.
fn sms_with(extra: &str) -> Draft {
    sms_body(&format!("Lakeside Staffing: {extra} Reply STOP to opt out"))
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

/// The raw body slices of the violations with `code`; every span of the verdict must
/// be a byte range on char boundaries into the body.
fn hits(d: &Draft, v: &Verdict, code: RuleCode) -> Vec<String> {
    for x in &v.violations {
        if let Some(s) = x.span {
            assert!(
                d.body.get(s.start..s.end).is_some(),
                "span {s:?} is not a char range of {:?}",
                d.body
            );
        }
    }
    v.violations
        .iter()
        .filter(|x| x.code == code)
        .filter_map(|x| x.span.and_then(|s| d.body.get(s.start..s.end)))
        .map(str::to_string)
        .collect()
}

/// Checks that `code` fires on every `yes` text and on no `no` text, with `make`
/// building the draft; collects all failures before asserting.
fn check(code: RuleCode, make: impl Fn(&str) -> Draft, yes: &[&str], no: &[&str]) {
    let v = validator();
    let mut bad = Vec::new();
    for (texts, fire) in [(yes, true), (no, false)] {
        for t in texts {
            let d = make(t);
            let verdict = v.validate(&d);
            let _ = hits(&d, &verdict, code);
            if verdict.has(code) != fire {
                bad.push(format!(
                    "{code} expected {} on {t:?}:\n  {}",
                    if fire { "to fire" } else { "not to fire" },
                    describe(&verdict)
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

// ------------------------------------------------------------------ normalisation

#[test]
fn typographic_dashes_and_spaces_do_not_hide_numbers() {
    // SSN with non-breaking hyphens, en and em dashes, minus sign, no-break, thin and
    // narrow no-break spaces, and full-width digits.
    check(
        RuleCode::PiiSsn,
        email_with,
        &[
            "SSN 512\u{2011}34\u{2011}7788",
            "SSN 512\u{2013}34\u{2013}7788",
            "id 512\u{2014}34\u{2014}7788",
            "id 512\u{2212}34\u{2212}7788",
            "SSN 512\u{00A0}34\u{00A0}7788",
            "SSN 512\u{2009}34\u{2009}7788",
            "SSN 512\u{202F}34\u{202F}7788",
            "SSN ５１２-３４-７７８８",
            "social security 512\u{200B}347788",
        ],
        &[
            // The valid-range and delimiter rules still hold after normalisation.
            "SSN 000\u{2011}12\u{2011}3456",
            "SSN 666\u{2013}12\u{2013}3456",
            "SSN 512\u{2013}34.7788",
            "call 1\u{2011}555\u{2011}123\u{2011}4567",
            "SSN 512\u{2013}00\u{2013}7788",
        ],
    );
    check(
        RuleCode::PiiCreditCard,
        email_with,
        &[
            "card 4111\u{00A0}1111\u{00A0}1111\u{00A0}1111",
            "card 4111\u{2009}1111\u{2009}1111\u{2009}1111",
            "card 4111\u{2013}1111\u{2013}1111\u{2013}1111",
            "card 4111\u{200B}1111\u{200B}1111\u{200B}1111",
            "card ４１１１ １１１１ １１１１ １１１１",
        ],
        &["card 4111\u{00A0}1111\u{00A0}1111\u{00A0}1112"],
    );
    check(
        RuleCode::PiiBankRouting,
        email_with,
        &[
            "routing\u{00A0}021000021",
            "routing: 021\u{200B}000\u{200B}021",
            "ABA ０２１００００２１",
        ],
        &["routing\u{00A0}021000022"],
    );
    check(
        RuleCode::PiiBankAccount,
        email_with,
        &[
            "acct\u{00A0}#\u{00A0}1234567890123",
            "account 1234\u{200B}5678",
        ],
        &["account\u{00A0}1234567"],
    );
    check(
        RuleCode::PiiOtherContact,
        email_with,
        &[
            "call Bob at 555\u{2011}222\u{2011}3333",
            "call Bob at (555)\u{00A0}222\u{2013}3333",
        ],
        &["call us at 555\u{2011}123\u{2011}4567"],
    );
}

#[test]
fn spans_index_the_original_text() {
    let v = validator();
    let d = email_with(
        "Ré: SSN 512\u{2011}34\u{2011}7788, card 4111\u{00A0}1111\u{00A0}1111\u{00A0}1111.",
    );
    let verdict = v.validate(&d);
    assert_eq!(
        hits(&d, &verdict, RuleCode::PiiSsn),
        vec!["512\u{2011}34\u{2011}7788"]
    );
    assert_eq!(
        hits(&d, &verdict, RuleCode::PiiCreditCard),
        vec!["4111\u{00A0}1111\u{00A0}1111\u{00A0}1111"]
    );
    // Zero-width characters inside a word are ignored, and the span still covers them.
    let d = email_with("Looking for you\u{200B}ng workers.");
    let verdict = v.validate(&d);
    assert_eq!(
        hits(&d, &verdict, RuleCode::DiscriminatoryLanguage),
        vec!["you\u{200B}ng"]
    );
    // A body of zero-width characters is empty.
    let verdict = v.validate(&sms_body("\u{200B}\u{2060}"));
    assert!(verdict.has(RuleCode::BodyEmpty), "{}", describe(&verdict));
}

// --------------------------------------------------------------------------- cards

#[test]
fn cards_next_to_expiry_cvv_or_another_card_are_found() {
    check(
        RuleCode::PiiCreditCard,
        email_with,
        &[
            "card 4111 1111 1111 1111 12/27",
            "card 4111 1111 1111 1111 0427",
            "card 4111-1111-1111-1111-123",
            "card 4111 1111 1111 1111 123 exp 12 27",
            "cards 4111 1111 1111 1111 5500 0000 0000 0004",
            "amex 3782 822463 10005 1225",
        ],
        &[
            "card 4111 1111 1111 1112 12/27",
            "card 4111 1111 1111 1112 123",
            // One repeated digit passes Luhn but is no card.
            "card 0000 0000 0000 0000",
            "card 0000000000000000000",
            "order 1042 for 12 workers, 3 shifts",
        ],
    );
    let v = validator();
    let d = email_with("cards 4111 1111 1111 1111 5500 0000 0000 0004 exp 12/27");
    let verdict = v.validate(&d);
    assert_eq!(
        hits(&d, &verdict, RuleCode::PiiCreditCard),
        vec!["4111 1111 1111 1111", "5500 0000 0000 0004"],
        "each card once, no overlap"
    );
    let d = email_with("card 4111 1111 1111 1111 123");
    assert_eq!(
        hits(&d, &v.validate(&d), RuleCode::PiiCreditCard),
        vec!["4111 1111 1111 1111"]
    );
}

// ---------------------------------------------------------------------------- SSN

#[test]
fn repeated_digit_ssns_in_range_are_reported() {
    check(
        RuleCode::PiiSsn,
        email_with,
        &["SSN 111-11-1111", "SSN 555 55 5555", "ssn 222222222"],
        &["SSN 000-00-0000", "SSN 666-66-6666", "SSN 999-99-9999"],
    );
}

// ---------------------------------------------------------------------- links

#[test]
fn hosts_are_parsed_as_browsers_parse_them() {
    check(
        RuleCode::LinkNotAllowed,
        email_with,
        &[
            r"apply at https://evil.io\@lakesidestaffing.com/jobs",
            r"apply at http://evil.io\\@lakesidestaffing.com",
            "apply at https://lakesidestaffing.com@evil.io/jobs",
            "apply at https://lakesidestaffing.com.evil.io/",
            // IDN look-alike (Cyrillic і) is another host.
            "apply at https://lakesidestaffіng.com/jobs",
            "apply at HTTPS://EVIL.IO",
            "apply at http://127.0.0.1:8080/x",
        ],
        &[
            "apply at https://jobs.lakesidestaffing.com/a?b=c",
            "apply at HTTPS://LakesideStaffing.COM./jobs",
            r"apply at https://lakesidestaffing.com\@evil.io",
            "apply at https://maria@lakesidestaffing.com/",
        ],
    );
}

#[test]
fn bare_domains_with_any_public_suffix_are_links() {
    check(
        RuleCode::LinkNotAllowed,
        sms_with,
        &[
            "see cheap-jobs.ru now.",
            "see shifts.top today",
            "see jobs.example.co.uk.",
            "see payday.loans",
            "(see evil.io)",
            "see www.shifts.today",
        ],
        &[
            "see lakesidestaffing.com/apply.",
            "mail jobs@lakesidestaffing.com",
            "Mr.Smith meets you at 8 a.m.",
            "file resume.pdf by Mon.Tue",
            "pay $21.50 e.g. i.e. St.Louis",
            "version 2.0 of form W-4",
        ],
    );
}

// ------------------------------------------------------------- discriminatory

#[test]
fn listed_words_fire_in_any_case() {
    check(
        RuleCode::DiscriminatoryLanguage,
        email_with,
        &[
            "YOUNG workers wanted.",
            "Hiring Young, Energetic Servers",
            "Young Talent Wanted",
            "Now Hiring Young Workers",
            "WAITRESS NEEDED FOR WEEKENDS",
            "Seeking a Waitress for the Bar.",
            "We want Young people.",
            "NATIVE ENGLISH SPEAKER ONLY",
            "Recent Grads Preferred",
            // A sentence mostly in capitals has no proper-noun exception.
            "ASK FOR SAM YOUNG AT THE GATE.",
        ],
        &[
            "Ask for Sam Young at the gate.",
            "Meet Sam Young.",
            "Meet at the Girls Inc. building.",
            "Our client Girls Inc is hiring.",
            "Site is in Youngstown.",
            "Ask Dr. Young at the front desk.",
        ],
    );
}

#[test]
fn the_recipients_own_name_is_no_wording() {
    let v = validator();
    let ana = person("Ana", "Young", "MI");
    let mk = |body: &str| Draft {
        kind: DraftKind::Sms,
        to: ana.phone.clone(),
        subject: None,
        body: format!("{body} Lakeside Staffing shift Mon. Reply STOP to opt out"),
        recipient: Some(ana.clone()),
    };
    for ok in [
        "Dear Ms. Young,",
        "Hi Ana Young,",
        "HI ANA YOUNG,",
        "Young, Ana:",
    ] {
        let verdict = v.validate(&mk(ok));
        assert!(
            !verdict.has(RuleCode::DiscriminatoryLanguage),
            "{ok}: {}",
            describe(&verdict)
        );
    }
    for bad in [
        "Dear Ms. Young, you are young.",
        "WE WANT YOUNG WORKERS. Hi Ana,",
    ] {
        let verdict = v.validate(&mk(bad));
        assert!(
            verdict.has(RuleCode::DiscriminatoryLanguage),
            "{bad}: {}",
            describe(&verdict)
        );
    }
}

// ----------------------------------------------------------------------- pay

#[test]
fn pay_forms_are_recognised() {
    check(
        RuleCode::PayBelowMinimum,
        email_with,
        &[
            "Pay is $6 hr.",
            "Pay is 7/hr.",
            "Pay is USD 7.",
            "Pay is USD 7.50/hr.",
            "Pay is $9 / hour.",
            "Pay is 9 dollars an hour.",
            "Pay is $12\u{00A0}an hour.",
        ],
        &[
            "Pay is $21 hr.",
            "Pay is 21/hr.",
            "Pay is USD 21.",
            "USD 500 signing bonus.",
            "USD 3,000 per month.",
            "USD 12 per shift for parking.",
            "Lift 50 lbs, 8 hours a day.",
        ],
    );
}

#[test]
fn add_on_amounts_are_not_the_pay_rate() {
    check(
        RuleCode::PayBelowMinimum,
        email_with,
        &[
            "Pays $12/hr plus a $1/hr night differential.",
            "Pays $12/hr, or more with experience.",
            "Pays $12/hr and a raise after 90 days of steady work.",
            "More hours at $12/hr.",
        ],
        &[
            "Pays $21/hr plus a $1/hr night differential.",
            "Pays $21/hr, +$2/hr weekend premium.",
            "Pays $21/hr with an extra $1.50/hr on nights.",
            "A $2/hr raise after 90 days.",
            "Weekend shifts earn $3/hr more.",
            "Additional $2 an hour for forklift certification.",
            "Overtime bonus of $5/hr.",
            "Pay increase of $1/hr in March.",
        ],
    );
}

#[test]
fn tipped_amounts_meet_the_tipped_minimum() {
    let v = validator();
    let mut tx = maria();
    tx.state = "TX".into();
    let mut d = email_with("Pays $2.13/hr plus tips.");
    d.recipient = Some(tx.clone());
    let verdict = v.validate(&d);
    assert!(
        !verdict.has(RuleCode::PayBelowMinimum),
        "{}",
        describe(&verdict)
    );
    d.body = d.body.replace("$2.13/hr plus tips", "$2.00/hr plus tips");
    assert!(v.validate(&d).has(RuleCode::PayBelowMinimum));
    d.body = d
        .body
        .replace("$2.00/hr plus tips", "$5.00/hr for tipped servers");
    assert!(!v.validate(&d).has(RuleCode::PayBelowMinimum));
    // Without tips the general floor applies.
    d.body = d.body.replace("$5.00/hr for tipped servers", "$5.00/hr");
    assert!(v.validate(&d).has(RuleCode::PayBelowMinimum));
    // Washington allows no tip credit: tipped work gets the full minimum.
    let mut wa = tx.clone();
    wa.state = "WA".into();
    d.recipient = Some(wa);
    d.body = d.body.replace("$5.00/hr", "$10.00/hr plus tips");
    let verdict = v.validate(&d);
    let x = verdict
        .violations
        .iter()
        .find(|x| x.code == RuleCode::PayBelowMinimum)
        .expect("WA tipped floor");
    assert!(
        x.message.contains("WA tipped minimum wage $17.13"),
        "{}",
        x.message
    );
    assert_eq!(ValidatorConfig::default().tipped_minimum_wage("tx"), 2.13);
}

fn job_in(state: &str) -> JobOrder {
    let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    JobOrder {
        order_id: "o-1".into(),
        client: "Acme".into(),
        city: "Somewhere".into(),
        state: state.into(),
        role: "forklift operator".into(),
        headcount: 1,
        shift_start: day.and_hms_opt(8, 0, 0).expect("time"),
        shift_end: day.and_hms_opt(16, 0, 0).expect("time"),
        pay_rate: 20.0,
        required_certs: vec![],
    }
}

#[test]
fn oregon_floor_is_the_lowest_statewide_rate() {
    let cfg = ValidatorConfig::default();
    assert_eq!(cfg.minimum_wage("OR"), 14.05);
    assert_eq!(cfg.minimum_wage("NY"), 16.00);
    let v = validator();
    let d = email_with("Pays $14.50/hr.");
    assert!(!v
        .validate_for_job(&d, &job_in("OR"))
        .has(RuleCode::PayBelowMinimum));
    let d = email_with("Pays $14.00/hr.");
    assert!(v
        .validate_for_job(&d, &job_in("OR"))
        .has(RuleCode::PayBelowMinimum));
}

#[test]
fn the_jobs_state_wins_over_the_recipients() {
    let v = validator();
    let mut d = email_with("Pays $15/hr.");
    let mut w = maria();
    w.state = "TX".into();
    d.recipient = Some(w.clone());
    assert!(
        !v.validate(&d).has(RuleCode::PayBelowMinimum),
        "TX recipient"
    );
    assert!(v
        .validate_for_job(&d, &job_in("WA"))
        .has(RuleCode::PayBelowMinimum));
    w.state = "WA".into();
    d.recipient = Some(w);
    assert!(
        v.validate(&d).has(RuleCode::PayBelowMinimum),
        "WA recipient"
    );
    assert!(!v
        .validate_for_job(&d, &job_in("TX"))
        .has(RuleCode::PayBelowMinimum));
    assert!(!v.validate_in_state(&d, "TX").has(RuleCode::PayBelowMinimum));
}

// ----------------------------------------------------------------------- DOB

#[test]
fn dates_of_birth_in_every_listed_form() {
    check(
        RuleCode::PiiDob,
        email_with,
        &[
            "DOB: 03-Mar-1985",
            "DOB 3-mar-85",
            "d.o.b. 1985/03/03",
            "D.O.B: 03/03/1985",
            "Birthday: 3 March 1985",
            "birth date March 3, 1985",
            "Date of birth 03.03.1985",
            "born 1985-03-03",
            "born on the 3rd of March 1985",
            "Birth: 1985.3.3",
            "DOB 03\u{2011}Mar\u{2011}1985",
        ],
        &[
            "shift on 03-Mar-2027",
            "we need your d.o.b. on file",
            "happy birthday!",
            "start 2027/01/04",
            "born to lift",
        ],
    );
}

// ------------------------------------------------------------------ bank accounts

#[test]
fn checking_and_savings_are_account_context() {
    check(
        RuleCode::PiiBankAccount,
        email_with,
        &[
            "checking 12345678",
            "savings 123456789012",
            "your savings account 98765432109",
        ],
        &[
            "checking in at 8",
            "savings of 12% on gear",
            "checking order 1234567",
        ],
    );
}

// -------------------------------------------------------------------- opt-out

#[test]
fn opt_out_needs_an_instruction() {
    let sms = |t: &str| sms_body(&format!("Lakeside Staffing: shift Mon 8am. {t}"));
    check(
        RuleCode::SmsOptOutMissing,
        sms,
        &[
            "Stop by our office to sign.",
            "Non-stop shifts all week.",
            "STOP",
            "Don't stop now!",
            "The bus stop is on Main.",
            "Reply YES to confirm.",
            "Ends at 5pm.",
        ],
        &[
            "Reply STOP to opt out",
            "Text END to opt out",
            "reply stop",
            "Txt QUIT to end",
            "Send UNSUBSCRIBE to stop msgs",
            "STOPALL to unsubscribe",
            "Msg&data rates may apply. Reply CANCEL to cancel",
            "Reply \u{201C}STOP\u{201D} to opt out",
            "Text STOP to 55555",
            "Reply with STOP",
        ],
    );
}

// ----------------------------------------------------------------- profanity

#[test]
fn obfuscated_profanity_is_found() {
    check(
        RuleCode::Profanity,
        email_with,
        &[
            "No f*ck ups.",
            "No f**k ups.",
            "What the f.u.c.k.",
            "No sh!t.",
            "No $hit.",
            "Fuuuuck this.",
            "Don't be a b1tch.",
            "f u c k that",
            "s-h-i-t happens",
            "What a f\u{200B}uck up.",
            "a$$hole manager",
            "Daaamn good pay.",
        ],
        &[
            "A classic shift.",
            "Scrap metal yard.",
            "We assess skills.",
            "Shiitake farm.",
            "e.g. the staffing office at 8 a.m.",
            "Passport and I-9 needed.",
            "U S A made gear.",
            "Cocktail bar, Dickens Street.",
        ],
    );
}

// --------------------------------------------------------------- placeholders

#[test]
fn title_case_placeholders_count_and_subject_tags_do_not() {
    check(
        RuleCode::PlaceholderUnresolved,
        email_with,
        &[
            "Hi [First Name],",
            "Hi {First Name},",
            "Hi <First Name>,",
            "Welcome to [Company Name].",
            "Start: <Start Date>",
            "Reports to [Manager].",
            "[URGENT] shift change",
        ],
        &[
            "See [Photo] below.",
            "Hi <Maria>,",
            "Team {Blue} wins.",
            "<b>bold</b> and <Div> tags",
        ],
    );
    let v = validator();
    for (subject, fire) in [
        ("[URGENT] Forklift shift Monday", false),
        ("[UPDATE] Shift moved to 9am", false),
        ("[REMINDER] Shift tomorrow", false),
        ("[NAME], a shift for you", true),
        ("[First Name], a shift for you", true),
    ] {
        let mut d = email_with("");
        d.subject = Some(subject.into());
        let verdict = v.validate(&d);
        assert_eq!(
            verdict.has(RuleCode::PlaceholderUnresolved),
            fire,
            "{subject}: {}",
            describe(&verdict)
        );
    }
}

// -------------------------------------------------------- international phones

#[test]
fn international_numbers_are_other_contacts() {
    check(
        RuleCode::PiiOtherContact,
        email_with,
        &[
            "call Ana at +44 20 7946 0958",
            "WhatsApp +52 55 1234 5678",
            "call +49\u{00A0}30\u{00A0}123456",
        ],
        &[
            "call us at +1 555 123 4567",
            "it takes +2 hours",
            "score +3 - 1",
        ],
    );
    let v = validator();
    let d = email_with("call Ana at +44 20 7946 0958");
    let verdict = v.validate(&d);
    let x = verdict
        .violations
        .iter()
        .find(|x| x.code == RuleCode::PiiOtherContact)
        .expect("intl phone");
    assert_eq!(x.severity, Severity::Warning);
    let mut w = maria();
    w.phone = "+44 20 7946 0958".into();
    let mut d = d;
    d.recipient = Some(w);
    assert!(
        !v.validate(&d).has(RuleCode::PiiOtherContact),
        "the recipient's own"
    );
}
