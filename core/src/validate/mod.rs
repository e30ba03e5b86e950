//! Validators for outreach drafts and fill proposals.
//!
//! Two validators, both pure functions over text and records that run on every draft
//! (microseconds, no I/O):
//!
//! - [`EmailValidator`] checks an email or SMS [`Draft`]: PII leaks (SSN with a
//!   flanking-digit guard, Luhn-checked cards, ABA-checked routing numbers, …), SMS
//!   segment counts ([`sms_segments`]), opt-out and sender lines, unresolved template
//!   placeholders, recipient mismatch, links off the allow-list, discriminatory job-ad
//!   wording, pay below the state minimum and profanity.
//! - [`FillValidator`] checks a [`Proposal`] of worker ids for a [`JobOrder`] against a
//!   [`Roster`] of [`Worker`](crate::Worker) records, their current assignments and the
//!   clients' do-not-return lists.
//!
//! Both return a [`Verdict`]: `ok` is true when no violation has severity
//! [`Severity::Error`]. Every violation carries a stable [`RuleCode`]; rules can be
//! switched off or given another severity through [`ValidatorConfig`].
//!
//! ```
//! use lakehouse::validate::{Draft, DraftKind, EmailValidator, ValidatorConfig};
//!
//! let v = EmailValidator::new(ValidatorConfig::default()).unwrap();
//! let draft = Draft {
//!     kind: DraftKind::Sms,
//!     to: "555-987-6543".into(),
//!     subject: None,
//!     body: "Lakeside Staffing: forklift shift Mon 8am. Call 555-123-4567. Reply STOP to opt out".into(),
//!     recipient: None,
//! };
//! assert!(v.validate(&draft).ok);
//! ```
//!
//! # Rule codes
//!
//! Codes are stable: once published a code never changes meaning. The table below is
//! checked against [`RuleCode::ALL`] and [`RuleCode::default_severity`] by a test
//! (`tests/validate_rules.rs`), so it cannot drift from the code.
//!
//! | code | default severity | applies to | what |
//! |---|---|---|---|
//! | `PII_SSN` | error | email, sms | US SSN `AAA-GG-SSSS` / `AAA GG SSSS` / `AAA.GG.SSSS` not glued to other digits, or 9 bare digits near `ssn` / `social security` / `social`; invalid SSNs (area 000, 666, 9xx; group 00; serial 0000) are not reported |
//! | `PII_CREDIT_CARD` | error | email, sms | 13–19 digits (single space or dash groups) passing the Luhn check |
//! | `PII_BANK_ROUTING` | error | email, sms | 9 digits passing the ABA checksum near `routing` / `aba` / `account` / `deposit` / `bank` |
//! | `PII_BANK_ACCOUNT` | error | email, sms | 8–17 digits near `account` / `acct` |
//! | `PII_DOB` | error | email, sms | a date near `dob` / `date of birth` / `born` |
//! | `PII_OTHER_CONTACT` | warning | email, sms | a phone number or email address that is neither the agency's nor the recipient's |
//! | `SMS_TOO_LONG` | error | sms | more segments than allowed (GSM-7 160/153, UCS-2 70/67 UTF-16 units) |
//! | `SMS_UCS2_ENCODING` | warning | sms | a character outside GSM-7 forces UCS-2 |
//! | `SMS_OPT_OUT_MISSING` | error | sms | no `STOP` opt-out instruction |
//! | `SMS_SENDER_MISSING` | warning | sms | the agency name does not appear |
//! | `EMAIL_SUBJECT_MISSING` | error | email | empty or whitespace subject |
//! | `EMAIL_SUBJECT_TOO_LONG` | warning | email | subject over 78 characters |
//! | `EMAIL_UNSUBSCRIBE_MISSING` | warning | email | no unsubscribe / opt-out line |
//! | `EMAIL_ADDRESS_MISSING` | warning | email | the agency's postal address does not appear |
//! | `BODY_EMPTY` | error | email, sms | empty or whitespace body |
//! | `PLACEHOLDER_UNRESOLVED` | error | email, sms | `{{…}}`, `{name}`, `[NAME]`, `<first_name>` or `%s` left in |
//! | `RECIPIENT_NAME_MISMATCH` | error | email, sms | the greeting names someone other than the recipient |
//! | `LINK_NOT_ALLOWED` | error | email, sms | a URL whose host is not on the allow-list |
//! | `DISCRIMINATORY_LANGUAGE` | error | email, sms | wording that screens by age, sex, national origin, religion, disability, pregnancy or citizenship |
//! | `PAY_BELOW_MINIMUM` | error | email, sms | a stated hourly pay below the state minimum wage |
//! | `PROFANITY` | warning | email, sms | a word from the built-in list |
//! | `FILL_ORDER_MISMATCH` | error | fill | the proposal's order id differs from the order's |
//! | `FILL_EMPTY` | error | fill | no worker proposed |
//! | `FILL_UNKNOWN_WORKER` | error | fill | a worker id not in the roster |
//! | `FILL_DUPLICATE_WORKER` | error | fill | the same worker twice |
//! | `FILL_OVER_HEADCOUNT` | error | fill | more workers than the order needs |
//! | `FILL_UNDER_HEADCOUNT` | warning | fill | fewer workers than the order needs |
//! | `FILL_LOCATION_MISMATCH` | error | fill | the worker's state differs from the order's |
//! | `FILL_CITY_MISMATCH` | warning | fill | same state, other city |
//! | `FILL_ROLE_MISMATCH` | error | fill | neither the worker's role nor skills cover the order's role |
//! | `FILL_CERT_MISSING` | error | fill | a required certification is absent |
//! | `FILL_CERT_EXPIRED` | error | fill | a required certification expires before the shift ends |
//! | `FILL_WORKER_INACTIVE` | error | fill | the worker's status is inactive |
//! | `FILL_WORKER_DNR` | error | fill | the worker is on the client's (or the agency's) do-not-return list |
//! | `FILL_DOUBLE_BOOKED` | error | fill | the worker already has an overlapping assignment |
//! | `FILL_OVERTIME` | warning | fill | the shift takes the worker past 40 hours in its ISO week |
//! | `FILL_UNAVAILABLE` | warning | fill | the shift's weekday is outside the worker's availability |
//! | `FILL_PAY_BELOW_MINIMUM` | error | fill | the order's pay rate is below the state minimum |

mod config;
mod content;
mod email;
mod fill;
mod pii;
mod sms;
pub(crate) mod span;
mod text;
mod wage;

use serde::{Deserialize, Serialize};

pub use config::{RuleOverride, ValidatorConfig};
pub use email::{Draft, DraftKind, EmailValidator};
pub use fill::{Assignment, FillValidator, JobOrder, Proposal, Roster};
pub use sms::{sms_segments, SegmentInfo, SmsEncoding};
pub use wage::{FEDERAL_MINIMUM_WAGE, MINIMUM_WAGE_TABLE_DATE};

/// How much a violation matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the verdict fail.
    Error,
    /// Reported; the verdict stays ok.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A byte range `start..end` into the checked text (the draft body), always on `char`
/// boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// Which rule.
    pub code: RuleCode,
    /// Default or configured severity of the rule.
    pub severity: Severity,
    /// What is wrong, in words a coordinator understands.
    pub message: String,
    /// Where in the body, when the rule points at text.
    pub span: Option<Span>,
    /// The worker the violation concerns (fill rules).
    pub worker_id: Option<String>,
}

/// The result of a validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when no violation has severity [`Severity::Error`].
    pub ok: bool,
    /// Every violation found, in detection order.
    pub violations: Vec<Violation>,
}

impl Verdict {
    /// Builds a verdict, deriving `ok` from the severities.
    pub fn from_violations(violations: Vec<Violation>) -> Self {
        let ok = violations.iter().all(|v| v.severity != Severity::Error);
        Verdict { ok, violations }
    }

    /// True when some violation has this code.
    pub fn has(&self, code: RuleCode) -> bool {
        self.violations.iter().any(|v| v.code == code)
    }

    /// The codes of all violations, in order.
    pub fn codes(&self) -> Vec<RuleCode> {
        self.violations.iter().map(|v| v.code).collect()
    }
}

macro_rules! rule_codes {
    ($( $(#[$doc:meta])* $variant:ident = $s:literal, $sev:ident; )*) => {
        /// Stable identifier of a validator rule (see the table in the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleCode {
            $( $(#[$doc])* $variant, )*
        }

        impl RuleCode {
            /// Every rule, in documentation order.
            pub const ALL: &'static [RuleCode] = &[ $( RuleCode::$variant, )* ];

            /// The stable code string, e.g. `"PII_SSN"`.
            ///
            /// ```
            /// assert_eq!(lakehouse::validate::RuleCode::PiiSsn.as_str(), "PII_SSN");
            /// ```
            pub fn as_str(self) -> &'static str {
                match self { $( RuleCode::$variant => $s, )* }
            }

            /// Parses [`RuleCode::as_str`] output.
            pub fn parse(s: &str) -> Option<RuleCode> {
                match s { $( $s => Some(RuleCode::$variant), )* _ => None }
            }

            /// Severity when the configuration does not override it.
            pub fn default_severity(self) -> Severity {
                match self { $( RuleCode::$variant => Severity::$sev, )* }
            }
        }
    };
}

rule_codes! {
    /// SSN in the text.
    PiiSsn = "PII_SSN", Error;
    /// Luhn-valid card number.
    PiiCreditCard = "PII_CREDIT_CARD", Error;
    /// ABA-valid routing number near a banking word.
    PiiBankRouting = "PII_BANK_ROUTING", Error;
    /// Account number near `account` / `acct`.
    PiiBankAccount = "PII_BANK_ACCOUNT", Error;
    /// Date of birth.
    PiiDob = "PII_DOB", Error;
    /// Someone else's phone or email.
    PiiOtherContact = "PII_OTHER_CONTACT", Warning;
    /// SMS over the segment limit.
    SmsTooLong = "SMS_TOO_LONG", Error;
    /// SMS needs UCS-2.
    SmsUcs2Encoding = "SMS_UCS2_ENCODING", Warning;
    /// SMS without `STOP`.
    SmsOptOutMissing = "SMS_OPT_OUT_MISSING", Error;
    /// SMS without the agency name.
    SmsSenderMissing = "SMS_SENDER_MISSING", Warning;
    /// Email without subject.
    EmailSubjectMissing = "EMAIL_SUBJECT_MISSING", Error;
    /// Email subject too long.
    EmailSubjectTooLong = "EMAIL_SUBJECT_TOO_LONG", Warning;
    /// Email without unsubscribe line.
    EmailUnsubscribeMissing = "EMAIL_UNSUBSCRIBE_MISSING", Warning;
    /// Email without the agency's postal address.
    EmailAddressMissing = "EMAIL_ADDRESS_MISSING", Warning;
    /// Empty body.
    BodyEmpty = "BODY_EMPTY", Error;
    /// Template marker left in.
    PlaceholderUnresolved = "PLACEHOLDER_UNRESOLVED", Error;
    /// Greeting names someone else.
    RecipientNameMismatch = "RECIPIENT_NAME_MISMATCH", Error;
    /// Link off the allow-list.
    LinkNotAllowed = "LINK_NOT_ALLOWED", Error;
    /// Discriminatory job-ad wording.
    DiscriminatoryLanguage = "DISCRIMINATORY_LANGUAGE", Error;
    /// Stated pay below the minimum wage.
    PayBelowMinimum = "PAY_BELOW_MINIMUM", Error;
    /// Profanity.
    Profanity = "PROFANITY", Warning;
    /// Proposal for another order.
    FillOrderMismatch = "FILL_ORDER_MISMATCH", Error;
    /// No worker proposed.
    FillEmpty = "FILL_EMPTY", Error;
    /// Worker id not in the roster.
    FillUnknownWorker = "FILL_UNKNOWN_WORKER", Error;
    /// Worker proposed twice.
    FillDuplicateWorker = "FILL_DUPLICATE_WORKER", Error;
    /// More workers than the headcount.
    FillOverHeadcount = "FILL_OVER_HEADCOUNT", Error;
    /// Fewer workers than the headcount.
    FillUnderHeadcount = "FILL_UNDER_HEADCOUNT", Warning;
    /// Worker in another state.
    FillLocationMismatch = "FILL_LOCATION_MISMATCH", Error;
    /// Worker in another city of the same state.
    FillCityMismatch = "FILL_CITY_MISMATCH", Warning;
    /// Worker's role and skills do not cover the order's role.
    FillRoleMismatch = "FILL_ROLE_MISMATCH", Error;
    /// Required certification absent.
    FillCertMissing = "FILL_CERT_MISSING", Error;
    /// Required certification expires before the shift ends.
    FillCertExpired = "FILL_CERT_EXPIRED", Error;
    /// Worker inactive.
    FillWorkerInactive = "FILL_WORKER_INACTIVE", Error;
    /// Worker on a do-not-return list.
    FillWorkerDnr = "FILL_WORKER_DNR", Error;
    /// Worker already booked for an overlapping shift.
    FillDoubleBooked = "FILL_DOUBLE_BOOKED", Error;
    /// Shift takes the worker past the weekly hours limit.
    FillOvertime = "FILL_OVERTIME", Warning;
    /// Shift's weekday outside the worker's availability.
    FillUnavailable = "FILL_UNAVAILABLE", Warning;
    /// Order pay below the state minimum.
    FillPayBelowMinimum = "FILL_PAY_BELOW_MINIMUM", Error;
}

impl RuleCode {
    /// Position in [`RuleCode::ALL`]; indexes per-rule tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RuleCode::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code '{s}'")))
    }
}

/// Collects violations, applying the configured on/off switch and severity per rule.
pub(crate) struct Sink<'a> {
    rules: &'a config::ResolvedRules,
    out: Vec<Violation>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(rules: &'a config::ResolvedRules) -> Self {
        Sink {
            rules,
            out: Vec::new(),
        }
    }

    /// Whether the rule is switched on; detectors skip their work when it is not.
    pub(crate) fn on(&self, code: RuleCode) -> bool {
        self.rules.enabled(code)
    }

    pub(crate) fn push(
        &mut self,
        code: RuleCode,
        message: String,
        span: Option<Span>,
        worker_id: Option<&str>,
    ) {
        if !self.rules.enabled(code) {
            return;
        }
        self.out.push(Violation {
            code,
            severity: self.rules.severity(code),
            message,
            span,
            worker_id: worker_id.map(str::to_string),
        });
    }

    pub(crate) fn finish(self) -> Verdict {
        Verdict::from_violations(self.out)
    }
}
