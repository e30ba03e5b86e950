//! [`EmailValidator`]: checks an email or SMS [`Draft`] before it is sent.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::config::{normalize_host, ResolvedRules};
use super::pii::{self, Finding, KnownContacts, PiiSwitches, Window};
use super::sms::{first_non_gsm, overflow_offset, sms_segments, SmsEncoding};
use super::text::{words_of, Text};
use super::{content, JobOrder, RuleCode, Sink, Span, ValidatorConfig, Verdict};
use crate::{Result, Worker};

/// Email or SMS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftKind {
    /// An email: subject, unsubscribe line and postal address rules apply.
    #[default]
    Email,
    /// A text message: segment, opt-out and sender rules apply.
    Sms,
}

/// An outreach message to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Email or SMS.
    pub kind: DraftKind,
    /// Recipient address or phone; it may appear in the body.
    #[serde(default)]
    pub to: String,
    /// Email subject; ignored for SMS.
    #[serde(default)]
    pub subject: Option<String>,
    /// The text; violation spans are byte ranges into it.
    pub body: String,
    /// The worker the draft is for: greeting, own contact details, state for the pay
    /// floor.
    #[serde(default)]
    pub recipient: Option<Worker>,
}

/// Checks email and SMS drafts against the rules of [`ValidatorConfig`].
///
/// Cheap to clone (shared state behind an `Arc`), `Send + Sync`; patterns are compiled
/// once per process.
///
/// ```
/// use lakehouse::validate::{Draft, DraftKind, EmailValidator, RuleCode, ValidatorConfig};
///
/// let v = EmailValidator::new(ValidatorConfig::default()).unwrap();
/// let mut draft = Draft {
///     kind: DraftKind::Sms,
///     to: String::new(),
///     subject: None,
///     body: "Lakeside Staffing: your SSN 512-34-7788 is on file. Reply STOP to opt out".into(),
///     recipient: None,
/// };
/// let verdict = v.validate(&draft);
/// assert!(!verdict.ok);
/// assert_eq!(verdict.codes(), vec![RuleCode::PiiSsn]);
/// ```
#[derive(Debug, Clone)]
pub struct EmailValidator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ValidatorConfig,
    rules: ResolvedRules,
    agency_name_lower: String,
    agency_address_words: Vec<String>,
    allow: Vec<String>,
    agency: KnownContacts,
}

impl EmailValidator {
    /// Builds a validator; fails with `INVALID_CONFIG` when [`ValidatorConfig::check`]
    /// does.
    pub fn new(config: ValidatorConfig) -> Result<Self> {
        config.check()?;
        let agency_email = config.agency_email.trim().to_ascii_lowercase();
        let agency_domain = agency_email
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .filter(|d| !d.is_empty());
        let agency = KnownContacts {
            phones: vec![pii::phone_digits(&config.agency_phone)],
            emails: vec![agency_email],
            domains: agency_domain.into_iter().collect(),
        };
        let inner = Inner {
            rules: config.resolve_rules(),
            agency_name_lower: config.agency_name.trim().to_ascii_lowercase(),
            agency_address_words: words_of(&config.agency_address),
            allow: config
                .link_allow_list
                .iter()
                .map(|h| normalize_host(h))
                .collect(),
            agency,
            config,
        };
        Ok(EmailValidator {
            inner: Arc::new(inner),
        })
    }

    /// The configuration this validator applies.
    pub fn config(&self) -> &ValidatorConfig {
        &self.inner.config
    }

    /// Checks a draft. The pay floor is the minimum wage of the recipient's state (the
    /// federal minimum without a recipient); use [`EmailValidator::validate_for_job`]
    /// when the job's state is known.
    pub fn validate(&self, draft: &Draft) -> Verdict {
        let state = draft.recipient.as_ref().map(|w| w.state.as_str());
        self.run(draft, state)
    }

    /// Checks a draft about `job`: the pay floor is the minimum wage of the job's state
    /// (not the recipient's).
    pub fn validate_for_job(&self, draft: &Draft, job: &JobOrder) -> Verdict {
        self.run(draft, Some(job.state.as_str()))
    }

    /// Checks a draft about a job in `state` (two-letter code) when the caller knows
    /// the job's state but has no [`JobOrder`]: the pay floor is that state's.
    ///
    /// ```
    /// use lakehouse::validate::{Draft, DraftKind, EmailValidator, RuleCode, ValidatorConfig};
    ///
    /// let v = EmailValidator::new(ValidatorConfig::default()).unwrap();
    /// let draft = Draft {
    ///     kind: DraftKind::Sms,
    ///     to: String::new(),
    ///     subject: None,
    ///     body: "Lakeside Staffing: shift Mon, $16/hr. Reply STOP to opt out".into(),
    ///     recipient: None,
    /// };
    /// assert!(v.validate_in_state(&draft, "WA").has(RuleCode::PayBelowMinimum));
    /// assert!(v.validate_in_state(&draft, "TX").ok);
    /// ```
    pub fn validate_in_state(&self, draft: &Draft, state: &str) -> Verdict {
        self.run(draft, Some(state))
    }

    fn run(&self, draft: &Draft, state: Option<&str>) -> Verdict {
        let inner = &*self.inner;
        let mut sink = Sink::new(&inner.rules);
        let body = draft.body.as_str();
        let text = Text::new(body);
        // Zero-width characters alone are no body either.
        if text.norm.trim().is_empty() {
            let what = match draft.kind {
                DraftKind::Email => "email",
                DraftKind::Sms => "SMS",
            };
            sink.push(
                RuleCode::BodyEmpty,
                format!("{what} body is empty"),
                None,
                None,
            );
        }
        if draft.kind == DraftKind::Email {
            self.subject_rules(draft, state, &mut sink);
        }
        // Detectors report normalised offsets; callers get spans into the body.
        for f in self.text_findings(&text, draft, state, false) {
            sink.push(f.code, f.message, Some(text.to_raw(f.span)), None);
        }
        if let (Some(w), true) = (&draft.recipient, sink.on(RuleCode::RecipientNameMismatch)) {
            if let Some(f) = content::recipient_mismatch(&text, w) {
                sink.push(f.code, f.message, Some(text.to_raw(f.span)), None);
            }
        }
        match draft.kind {
            DraftKind::Sms => self.sms_rules(&text, &mut sink),
            DraftKind::Email => self.email_body_rules(&text, &mut sink),
        }
        sink.finish()
    }

    /// PII, placeholders, links, wording, pay and profanity: the checks that apply to
    /// any text of a draft.
    ///
    /// Spans are offsets into `text.norm`; `in_subject` relaxes the placeholder rule for
    /// subject tags like `[URGENT]`.
    fn text_findings(
        &self,
        text: &Text<'_>,
        draft: &Draft,
        state: Option<&str>,
        in_subject: bool,
    ) -> Vec<Finding> {
        let inner = &*self.inner;
        let r = &inner.rules;
        let on = PiiSwitches {
            ssn: r.enabled(RuleCode::PiiSsn),
            card: r.enabled(RuleCode::PiiCreditCard),
            routing: r.enabled(RuleCode::PiiBankRouting),
            account: r.enabled(RuleCode::PiiBankAccount),
            dob: r.enabled(RuleCode::PiiDob),
            other_contact: r.enabled(RuleCode::PiiOtherContact),
        };
        let window = Window {
            before: inner.config.context_before,
            after: inner.config.context_after,
        };
        let mut known = inner.agency.clone();
        if on.other_contact {
            let to = draft.to.trim();
            if to.contains('@') {
                known.emails.push(to.to_ascii_lowercase());
            } else if !to.is_empty() {
                known.phones.push(pii::phone_digits(to));
            }
            if let Some(w) = &draft.recipient {
                known.phones.push(pii::phone_digits(&w.phone));
                known.emails.push(w.email.trim().to_ascii_lowercase());
            }
        }
        let mut out = pii::scan(text, on, window, &known);
        if r.enabled(RuleCode::PlaceholderUnresolved) {
            content::placeholders(text, in_subject, &mut out);
        }
        if r.enabled(RuleCode::LinkNotAllowed) {
            content::links(text, &inner.allow, &mut out);
        }
        if r.enabled(RuleCode::DiscriminatoryLanguage) {
            let names: Vec<String> = draft
                .recipient
                .iter()
                .flat_map(|w| [w.first_name.as_str(), w.last_name.as_str()])
                .flat_map(|n| n.split([' ', '-']))
                .map(str::to_lowercase)
                .collect();
            content::discriminatory(text, &names, &mut out);
        }
        if r.enabled(RuleCode::PayBelowMinimum) {
            self.pay_findings(text, state, &mut out);
        }
        if r.enabled(RuleCode::Profanity) {
            content::profanity(text, &mut out);
        }
        out
    }

    fn pay_findings(&self, text: &Text<'_>, state: Option<&str>, out: &mut Vec<Finding>) {
        let cfg = &self.inner.config;
        let state = state.map(str::trim).filter(|s| !s.is_empty());
        let place = state.map_or_else(|| "federal".to_string(), str::to_ascii_uppercase);
        for pay in content::stated_pay(text) {
            let (floor, what) = match (state, pay.tipped) {
                (Some(s), false) => (cfg.minimum_wage(s), "minimum wage"),
                (None, false) => (cfg.federal_minimum_wage, "minimum wage"),
                (Some(s), true) => (cfg.tipped_minimum_wage(s), "tipped minimum wage"),
                (None, true) => (
                    cfg.federal_tipped_minimum_wage
                        .min(cfg.federal_minimum_wage),
                    "tipped minimum wage",
                ),
            };
            if pay.amount < floor {
                out.push(Finding {
                    code: RuleCode::PayBelowMinimum,
                    span: pay.span,
                    message: format!(
                        "pay ${:.2}/hour is below the {place} {what} ${floor:.2} (table of {})",
                        pay.amount,
                        super::MINIMUM_WAGE_TABLE_DATE
                    ),
                });
            }
        }
    }

    fn subject_rules(&self, draft: &Draft, state: Option<&str>, sink: &mut Sink<'_>) {
        let subject = draft.subject.as_deref().unwrap_or("");
        if subject.trim().is_empty() {
            sink.push(
                RuleCode::EmailSubjectMissing,
                "email has no subject".into(),
                None,
                None,
            );
            return;
        }
        let max = self.inner.config.max_subject_chars;
        let chars = subject.chars().count();
        if chars > max {
            sink.push(
                RuleCode::EmailSubjectTooLong,
                format!("subject is {chars} characters; keep it to {max}"),
                None,
                None,
            );
        }
        // The subject leaks as much as the body; spans point into the body only, so
        // subject findings carry none.
        for f in self.text_findings(&Text::new(subject), draft, state, true) {
            sink.push(f.code, format!("in the subject: {}", f.message), None, None);
        }
    }

    fn sms_rules(&self, text: &Text<'_>, sink: &mut Sink<'_>) {
        let body = text.raw;
        let cfg = &self.inner.config;
        let info = sms_segments(body);
        let max = cfg.max_sms_segments as usize;
        let (unit_name, single, part) = match info.encoding {
            SmsEncoding::Gsm7 => ("GSM-7 characters", 160, 153),
            SmsEncoding::Ucs2 => ("UCS-2 units", 70, 67),
        };
        if info.segments > max && sink.on(RuleCode::SmsTooLong) {
            let limit = if max <= 1 {
                format!("one segment holds {single}")
            } else {
                format!("{max} segments hold {}", max * part)
            };
            let span = overflow_offset(body, info.encoding, max).map(|s| Span::new(s, body.len()));
            sink.push(
                RuleCode::SmsTooLong,
                format!(
                    "SMS is {} segments ({} {unit_name}); {limit}",
                    info.segments, info.units
                ),
                span,
                None,
            );
        }
        if let Some((at, c)) = first_non_gsm(body) {
            sink.push(
                RuleCode::SmsUcs2Encoding,
                format!(
                    "'{}' (U+{:04X}) is not in the GSM-7 alphabet, so the SMS is sent as UCS-2 (70 units per segment instead of 160)",
                    c.escape_debug(),
                    u32::from(c)
                ),
                Some(Span::new(at, at + c.len_utf8())),
                None,
            );
        }
        if !content::has_opt_out(text) {
            sink.push(
                RuleCode::SmsOptOutMissing,
                "SMS has no opt-out instruction (e.g. \"Reply STOP to opt out\")".into(),
                None,
                None,
            );
        }
        let name = &self.inner.agency_name_lower;
        if !name.is_empty()
            && sink.on(RuleCode::SmsSenderMissing)
            && !text.lower.contains(name.as_str())
        {
            sink.push(
                RuleCode::SmsSenderMissing,
                format!("SMS does not name the sender '{}'", cfg.agency_name),
                None,
                None,
            );
        }
    }

    fn email_body_rules(&self, text: &Text<'_>, sink: &mut Sink<'_>) {
        if !content::has_unsubscribe(text) {
            sink.push(
                RuleCode::EmailUnsubscribeMissing,
                "email has no unsubscribe / opt-out line".into(),
                None,
                None,
            );
        }
        let address = &self.inner.agency_address_words;
        if !address.is_empty()
            && sink.on(RuleCode::EmailAddressMissing)
            && !text.contains_words(address)
        {
            sink.push(
                RuleCode::EmailAddressMissing,
                format!(
                    "email does not include the agency's postal address ({})",
                    self.inner.config.agency_address
                ),
                None,
                None,
            );
        }
    }
}
