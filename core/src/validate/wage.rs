//! State minimum wages, the floor for `PAY_BELOW_MINIMUM` and `FILL_PAY_BELOW_MINIMUM`.

use std::collections::BTreeMap;

/// The federal minimum wage in US dollars per hour; the floor for every state.
pub const FEDERAL_MINIMUM_WAGE: f64 = 7.25;

/// The day the built-in table describes. States index their minimums yearly; replace
/// the table through [`ValidatorConfig::minimum_wages`](super::ValidatorConfig) when
/// it goes stale.
pub const MINIMUM_WAGE_TABLE_DATE: &str = "2026-01-01";

/// General state minimum wages (USD/hour) in effect on [`MINIMUM_WAGE_TABLE_DATE`].
/// States absent here (or below the federal minimum) fall back to
/// [`FEDERAL_MINIMUM_WAGE`]. Where a state has regional rates the lowest statewide one
/// is used: New York's upstate rate ($16.00; NYC, Long Island and Westchester pay
/// $17.00) and Oregon's non-urban-counties rate ($14.05 since 2025-07-01; the standard
/// rate is $15.05 and the Portland metro rate $16.30). City ordinances are not covered.
const STATE_MINIMUMS: &[(&str, f64)] = &[
    ("AK", 13.00),
    ("AR", 11.00),
    ("AZ", 15.15),
    ("CA", 16.90),
    ("CO", 15.16),
    ("CT", 16.94),
    ("DC", 17.95),
    ("DE", 15.00),
    ("FL", 14.00),
    ("HI", 16.00),
    ("IL", 15.00),
    ("MA", 15.00),
    ("MD", 15.00),
    ("ME", 15.10),
    ("MI", 13.73),
    ("MN", 11.41),
    ("MO", 15.00),
    ("MT", 10.85),
    ("NE", 15.00),
    ("NJ", 15.92),
    ("NM", 12.00),
    ("NV", 12.00),
    ("NY", 16.00),
    ("OH", 11.00),
    ("OR", 14.05),
    ("RI", 16.00),
    ("SD", 11.85),
    ("VA", 12.77),
    ("VT", 14.42),
    ("WA", 17.13),
    ("WV", 8.75),
];

/// The federal cash wage for tipped employees (29 U.S.C. § 203(m)), USD/hour.
pub const FEDERAL_TIPPED_MINIMUM_WAGE: f64 = 2.13;

/// States that allow no tip credit on [`MINIMUM_WAGE_TABLE_DATE`]: a tipped worker's
/// cash wage is the full state minimum. Other states fall back to
/// [`FEDERAL_TIPPED_MINIMUM_WAGE`] unless the configured tipped table lists them.
const NO_TIP_CREDIT_STATES: &[&str] = &["AK", "CA", "MN", "MT", "NV", "OR", "WA"];

/// The built-in tipped-minimum table as the config's default: the no-tip-credit states
/// at their full minimum.
pub(crate) fn default_tipped_table() -> BTreeMap<String, f64> {
    STATE_MINIMUMS
        .iter()
        .filter(|(s, _)| NO_TIP_CREDIT_STATES.contains(s))
        .map(|(s, w)| (s.to_string(), *w))
        .collect()
}

/// The built-in table as the config's default.
pub(crate) fn default_table() -> BTreeMap<String, f64> {
    STATE_MINIMUMS
        .iter()
        .map(|(s, w)| (s.to_string(), *w))
        .collect()
}

/// The minimum wage of `state` (two-letter code, any case), never below `federal`.
pub(crate) fn minimum_for(table: &BTreeMap<String, f64>, federal: f64, state: &str) -> f64 {
    let key = state.trim().to_ascii_uppercase();
    table.get(&key).copied().unwrap_or(federal).max(federal)
}
