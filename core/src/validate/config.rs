//! [`ValidatorConfig`]: per-rule switches and severities, thresholds and agency facts.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{wage, RuleCode, Severity};
use crate::{Error, Result};

/// Overrides for one rule, keyed by its code in [`ValidatorConfig::rules`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleOverride {
    /// `Some(false)` switches the rule off; `None` keeps it on.
    pub enabled: Option<bool>,
    /// Replaces the rule's default severity.
    pub severity: Option<Severity>,
}

/// Configuration shared by [`EmailValidator`](super::EmailValidator) and
/// [`FillValidator`](super::FillValidator). Every field has a default (the values the
/// multitier workload and replay use), so a JSON file only lists what it changes:
///
/// ```
/// use lakehouse::validate::{RuleCode, Severity, ValidatorConfig};
///
/// let cfg = ValidatorConfig::from_json(r#"{
///     "rules": { "PROFANITY": { "severity": "error" }, "PII_OTHER_CONTACT": { "enabled": false } },
///     "max_sms_segments": 2
/// }"#).unwrap();
/// assert_eq!(cfg.agency_name, "Lakeside Staffing");
/// assert_eq!(cfg.max_sms_segments, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidatorConfig {
    /// Per-rule overrides keyed by code (`"PII_SSN"`, …). Unknown codes are rejected.
    pub rules: BTreeMap<String, RuleOverride>,
    /// Sender name that SMS must carry (`SMS_SENDER_MISSING`).
    pub agency_name: String,
    /// The agency's phone; never reported by `PII_OTHER_CONTACT` in any US format.
    pub agency_phone: String,
    /// The agency's postal address, required in emails (`EMAIL_ADDRESS_MISSING`);
    /// compared ignoring case, punctuation and line breaks.
    pub agency_address: String,
    /// The agency's email; any address on its domain counts as the agency's.
    pub agency_email: String,
    /// Hosts links may point to; subdomains of a listed host are allowed too. Empty:
    /// no links allowed.
    pub link_allow_list: Vec<String>,
    /// Most SMS segments a message may take (`SMS_TOO_LONG`); at least 1.
    pub max_sms_segments: u32,
    /// Longest email subject in characters (`EMAIL_SUBJECT_TOO_LONG`).
    pub max_subject_chars: usize,
    /// Weekly hours after which `FILL_OVERTIME` warns.
    pub weekly_hours_limit: f64,
    /// Bytes before a number searched for a context word (`ssn`, `routing`, `dob`, …).
    pub context_before: usize,
    /// Bytes after a number searched for a context word.
    pub context_after: usize,
    /// State minimum wages in USD/hour keyed by two-letter code; default: the built-in
    /// table dated [`MINIMUM_WAGE_TABLE_DATE`](super::MINIMUM_WAGE_TABLE_DATE).
    pub minimum_wages: BTreeMap<String, f64>,
    /// Floor for states absent from `minimum_wages`.
    pub federal_minimum_wage: f64,
    /// Cash minimum wages for tipped work (a stated rate "plus tips") keyed by
    /// two-letter code; default: the states without a tip credit, at their full
    /// minimum.
    pub tipped_minimum_wages: BTreeMap<String, f64>,
    /// Tipped floor for states absent from `tipped_minimum_wages` (federal $2.13).
    pub federal_tipped_minimum_wage: f64,
}

impl Default for ValidatorConfig {
    fn default() -> Self {
        ValidatorConfig {
            rules: BTreeMap::new(),
            agency_name: "Lakeside Staffing".into(),
            agency_phone: "555-123-4567".into(),
            agency_address: "200 Harbor Street, Lakeside, MI 49116".into(),
            agency_email: "jobs@lakesidestaffing.com".into(),
            link_allow_list: vec!["lakesidestaffing.com".into()],
            max_sms_segments: 1,
            max_subject_chars: 78,
            weekly_hours_limit: 40.0,
            context_before: 40,
            context_after: 24,
            minimum_wages: wage::default_table(),
            federal_minimum_wage: wage::FEDERAL_MINIMUM_WAGE,
            tipped_minimum_wages: wage::default_tipped_table(),
            federal_tipped_minimum_wage: wage::FEDERAL_TIPPED_MINIMUM_WAGE,
        }
    }
}

impl ValidatorConfig {
    /// Parses a JSON config (missing fields take their defaults) and checks it.
    pub fn from_json(json: &str) -> Result<Self> {
        let cfg: ValidatorConfig = serde_json::from_str(json)?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Reads and parses a JSON config file.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text)
    }

    /// Rejects unknown rule codes, a zero segment limit, and non-finite or negative
    /// wages and hour limits.
    pub fn check(&self) -> Result<()> {
        if let Some(code) = self.rules.keys().find(|k| RuleCode::parse(k).is_none()) {
            return Err(Error::InvalidConfig(format!(
                "unknown rule code '{code}' in rules"
            )));
        }
        if self.max_sms_segments == 0 {
            return Err(Error::InvalidConfig(
                "max_sms_segments is 0; an SMS needs at least 1 segment".into(),
            ));
        }
        let bad_number = |x: f64| !x.is_finite() || x < 0.0;
        if bad_number(self.weekly_hours_limit) {
            return Err(Error::InvalidConfig(format!(
                "weekly_hours_limit {} is not a non-negative number",
                self.weekly_hours_limit
            )));
        }
        if bad_number(self.federal_minimum_wage) {
            return Err(Error::InvalidConfig(format!(
                "federal_minimum_wage {} is not a non-negative number",
                self.federal_minimum_wage
            )));
        }
        if bad_number(self.federal_tipped_minimum_wage) {
            return Err(Error::InvalidConfig(format!(
                "federal_tipped_minimum_wage {} is not a non-negative number",
                self.federal_tipped_minimum_wage
            )));
        }
        if let Some((state, w)) = self
            .minimum_wages
            .iter()
            .chain(&self.tipped_minimum_wages)
            .find(|(_, w)| bad_number(**w))
        {
            return Err(Error::InvalidConfig(format!(
                "minimum wage {w} for state '{state}' is not a non-negative number"
            )));
        }
        if let Some(h) = self
            .link_allow_list
            .iter()
            .find(|h| normalize_host(h).is_empty())
        {
            return Err(Error::InvalidConfig(format!(
                "link_allow_list entry '{h}' is not a host name"
            )));
        }
        Ok(())
    }

    /// Minimum wage for `state` under this config.
    pub fn minimum_wage(&self, state: &str) -> f64 {
        wage::minimum_for(&self.minimum_wages, self.federal_minimum_wage, state)
    }

    /// Minimum cash wage for tipped work in `state`: the state's tipped minimum where
    /// the tipped table has one, else the federal tipped minimum; never above the
    /// state's general minimum.
    pub fn tipped_minimum_wage(&self, state: &str) -> f64 {
        let key = state.trim().to_ascii_uppercase();
        let tipped = self
            .tipped_minimum_wages
            .get(&key)
            .copied()
            .unwrap_or(self.federal_tipped_minimum_wage);
        tipped.min(self.minimum_wage(state))
    }

    pub(crate) fn resolve_rules(&self) -> ResolvedRules {
        let mut r = ResolvedRules {
            enabled: RuleCode::ALL.iter().map(|_| true).collect(),
            severity: RuleCode::ALL.iter().map(|c| c.default_severity()).collect(),
        };
        for (key, o) in &self.rules {
            if let Some(code) = RuleCode::parse(key) {
                if let Some(e) = o.enabled {
                    r.enabled[code.index()] = e;
                }
                if let Some(s) = o.severity {
                    r.severity[code.index()] = s;
                }
            }
        }
        r
    }
}

/// Lowercase host of an allow-list entry, parsed like a link (WHATWG URL):
/// `"https://Jobs.X.com/a"` → `"jobs.x.com"`; empty when it has no host.
pub(crate) fn normalize_host(h: &str) -> String {
    let h = h.trim();
    // `https:///x` parses (browsers skip the extra slashes) but names no host here.
    let authority = h.split_once("://").map_or(h, |(_, rest)| rest);
    if authority.is_empty() || authority.starts_with(['/', '\\']) {
        return String::new();
    }
    super::content::link_host(h).unwrap_or_default()
}

/// Per-rule switches and severities, indexed by [`RuleCode::index`].
#[derive(Debug, Clone)]
pub(crate) struct ResolvedRules {
    enabled: Vec<bool>,
    severity: Vec<Severity>,
}

impl ResolvedRules {
    pub(crate) fn enabled(&self, code: RuleCode) -> bool {
        self.enabled.get(code.index()).copied().unwrap_or(true)
    }

    pub(crate) fn severity(&self, code: RuleCode) -> Severity {
        self.severity
            .get(code.index())
            .copied()
            .unwrap_or(code.default_severity())
    }
}
