//! Content rules shared by email and SMS: placeholders, greeting, links,
//! discriminatory wording, stated pay, profanity and the opt-out lines.

use std::sync::LazyLock;

use regex::Regex;

use super::config::normalize_host;
use super::pii::{re, Finding};
use super::text::Text;
use super::{RuleCode, Span};
use crate::Worker;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\{\{[^{}]{0,80}\}\}",
        r"|\{\s*[A-Za-z_][A-Za-z0-9_.]*\s*\}",
        r"|\[[A-Z][A-Z0-9_]+(?: [A-Z0-9_]+)*\]",
        r"|<\s*[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\s*>",
        r"|<[A-Z]{2,}(?:[ _][A-Z]+)*>",
        r"|%[sd]\b",
    ))
});

/// Upper-case HTML tags that look like `<NAME>` placeholders but are markup.
const HTML_TAGS: &[&str] = &[
    "BR", "HR", "EM", "UL", "OL", "LI", "DIV", "SPAN", "TD", "TR", "TH", "TABLE", "HTML", "BODY",
    "HEAD", "TITLE", "STRONG", "SMALL", "BIG", "PRE", "CODE", "SUB", "SUP", "CENTER", "FONT",
    "IMG", "TBODY", "THEAD",
];

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)(?:^|[:.!?]\s+)[ \t]*",
        r"(?i:hi|hello|hey|dear|greetings|howdy|good\s+(?:morning|afternoon|evening))\b",
        r"[ \t]*,?[ \t]*",
        r"((?i:mr|mrs|ms|miss|mx|dr)\.?[ \t]+)?",
        r"(\p{Lu}[\p{L}'’\-]*)",
    ))
});

/// Greeting words that address nobody in particular.
const GENERIC_ADDRESSEES: &[&str] = &[
    "there",
    "team",
    "all",
    "everyone",
    "everybody",
    "friend",
    "friends",
    "folks",
    "sir",
    "madam",
    "ma'am",
    "colleague",
    "colleagues",
    "candidate",
    "applicant",
    "worker",
];

/// Runs on the lowercased text.
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?:https?://|www\.)[^\s<>]+",
        r"|(?-u:\b)(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+",
        r"(?:com|net|org|io|co|us|ly|me|info|biz|app|dev|xyz|gov|edu|gl|link|site|online|ai|to|gg)(?-u:\b)",
        r"(?:/[^\s<>]*)?",
    ))
});

const DISCRIMINATION: &[(&str, &str)] = &[
    (
        "age",
        r"young(?:er|sters?)?|youthful|recent\s+(?:college\s+)?grad(?:uate)?s?|under\s+(?:the\s+age\s+of\s+)?[1-7][0-9]|digital\s+natives?|millennials?|gen(?:eration)?\s+z|no\s+older\s+than\s+[0-9]+|(?:max(?:imum)?|upper)\s+age|too\s+old|over\s+[4-7]0s?\s+need\s+not\s+apply|fresh\s+(?:faces|blood)",
    ),
    (
        "sex",
        r"waitress(?:es)?|salesm[ae]n|girls?|gals|hostess(?:es)?|stewardess(?:es)?|barmaids?|cleaning\s+lad(?:y|ies)|(?:men|women|males?|females?|guys|ladies)\s+only|must\s+be\s+(?:a\s+)?(?:male|female|man|woman)|(?:male|female)\s+(?:candidates|applicants)\s+(?:only|preferred)",
    ),
    (
        "national origin or race",
        r"native\s+english\s+speakers?|native\s+speakers?|no\s+foreigners|no\s+immigrants|(?:american|u\.?s\.?)[- ]born|english\s+as\s+(?:a\s+)?first\s+language|no\s+accents?|(?:whites?|blacks?|asians?|hispanics?|latinos?)\s+only|must\s+be\s+(?:white|black|asian|hispanic|latino)",
    ),
    (
        "religion",
        r"(?:christians?|muslims?|jews|jewish|catholics?|hindus?|atheists?|buddhists?|sikhs?)\s+only|no\s+(?:muslims|jews|christians|catholics|hindus|atheists|sikhs)|must\s+be\s+(?:a\s+)?(?:christian|muslim|jewish|catholic|hindu|religious|believer)|church[- ]?goers?|church[- ]going",
    ),
    (
        "disability",
        r"able[- ]bodied|no\s+disabilit(?:y|ies)|no\s+(?:handicapped|disabled)(?:\s+(?:people|persons|workers|applicants))?|(?:non|not)[- ]disabled|free\s+(?:of|from)\s+(?:any\s+)?disabilit(?:y|ies)|no\s+wheelchairs?|must\s+not\s+have\s+(?:any\s+)?disabilit(?:y|ies)|perfect\s+health|no\s+mental\s+illness",
    ),
    (
        "pregnancy",
        r"(?:not|no|non)[- ]pregnant|pregnan(?:t|cy)\s+(?:women\s+|applicants\s+|candidates\s+)?(?:need\s+not\s+apply|not\s+(?:allowed|accepted))|(?:must|should)\s+not\s+(?:be|become|get)\s+pregnant|no\s+plans?\s+to\s+(?:have\s+(?:kids|children|a\s+baby)|start\s+a\s+family)",
    ),
    (
        "citizenship",
        r"(?:u\.?s\.?|us|american)\s+citizens?\s+only|citizens\s+only|(?:must|should)\s+be\s+(?:a\s+)?(?:u\.?s\.?\s+|us\s+|american\s+)?citizens?|citizenship\s+required|no\s+(?:green\s+card|visa|h-?1b)\s+holders|green\s+card\s+holders\s+only",
    ),
];

static DISCRIMINATORY: LazyLock<Regex> = LazyLock::new(|| {
    let all: Vec<&str> = DISCRIMINATION.iter().map(|(_, p)| *p).collect();
    re(&format!(r"(?-u:\b)(?:{})(?-u:\b)", all.join("|")))
});

static DISCRIMINATION_CLASSES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    DISCRIMINATION
        .iter()
        .map(|(class, p)| (*class, re(&format!(r"^(?:{p})$"))))
        .collect()
});

/// Units after "under 30" that make it a quantity, not an age limit.
const QUANTITY_UNITS: &[&str] = &[
    "lb", "lbs", "pound", "pounds", "kg", "kilos", "minute", "minutes", "min", "mins", "hour",
    "hours", "hr", "hrs", "mile", "miles", "mi", "feet", "ft", "percent", "%", "dollars",
    "degrees", "seconds", "days", "people", "workers", "units", "boxes",
];

/// "per hour" suffixes of a stated pay (lowercased text).
macro_rules! per_hour {
    () => {
        r"\s*(?:/\s*(?:hr|hour|h)(?-u:\b)|per\s+(?:hr|hour)(?-u:\b)|an?\s+(?:hr|hour)(?-u:\b)|hourly(?-u:\b)|p/?h(?-u:\b))"
    };
}
static PAY_DOLLAR_SIGN: LazyLock<Regex> =
    LazyLock::new(|| re(concat!(r"\$\s?([0-9]{1,4}(?:\.[0-9]{1,2})?)", per_hour!())));
static PAY_DOLLAR_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u:\b)([0-9]{1,4}(?:\.[0-9]{1,2})?)\s*(?:dollars|usd)",
        per_hour!()
    ))
});

static PROFANITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?:fuck(?:s|ed|er|ers|ing)?|motherfuck(?:er|ers|ing)?|shit(?:s|ty|ting)?|bullshit|bitch(?:es|y)?|bastards?|assholes?|damn(?:ed|it)?|goddamn|crap(?:py)?|piss(?:ed)?|wtf)(?-u:\b)",
    )
});

static STOP: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u:\b)stop(?-u:\b)"));
static UNSUBSCRIBE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u:\b)(?:unsubscribe|opt[- ]?out|reply\s+stop)(?-u:\b)"));

/// Only the opening of a message holds its greeting.
const GREETING_WINDOW: usize = 256;

pub(crate) fn placeholders(text: &str, out: &mut Vec<Finding>) {
    if !text.contains(['{', '[', '<', '%']) {
        return;
    }
    for m in PLACEHOLDER.find_iter(text) {
        let s = m.as_str();
        if let Some(tag) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            if HTML_TAGS.contains(&tag) {
                continue;
            }
        }
        out.push(Finding {
            code: RuleCode::PlaceholderUnresolved,
            span: Span::new(m.start(), m.end()),
            message: format!("unresolved template placeholder '{s}'"),
        });
    }
}

/// The name in the first greeting line when it is not the recipient's.
pub(crate) fn recipient_mismatch(text: &str, recipient: &Worker) -> Option<Finding> {
    let mut end = text.len().min(GREETING_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let caps = GREETING.captures(&text[..end])?;
    let name = caps.get(2)?;
    let said = name
        .as_str()
        .trim_end_matches(['\'', '’', '-'])
        .to_lowercase();
    if GENERIC_ADDRESSEES.contains(&said.as_str()) {
        return None;
    }
    let first = recipient.first_name.to_lowercase();
    let last = recipient.last_name.to_lowercase();
    let tokens = first
        .split([' ', '-'])
        .chain(last.split([' ', '-']))
        .chain([first.as_str(), last.as_str()]);
    if tokens.into_iter().any(|t| !t.is_empty() && t == said) {
        return None;
    }
    Some(Finding {
        code: RuleCode::RecipientNameMismatch,
        span: Span::new(name.start(), name.end()),
        message: format!(
            "greeting addresses '{}' but the recipient is {} {}",
            name.as_str(),
            recipient.first_name,
            recipient.last_name
        ),
    })
}

fn host_allowed(host: &str, allow: &[String]) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    allow.iter().any(|a| {
        let a = a.strip_prefix("www.").unwrap_or(a);
        host == a || host.strip_suffix(a).is_some_and(|rest| rest.ends_with('.'))
    })
}

/// `allow` holds normalised hosts (see `normalize_host`).
pub(crate) fn links(text: &Text<'_>, allow: &[String], out: &mut Vec<Finding>) {
    let lower = text.lower.as_str();
    let bytes = lower.as_bytes();
    let dotted = bytes
        .windows(2)
        .any(|w| w[0] == b'.' && w[1].is_ascii_alphanumeric());
    if !dotted && !lower.contains("://") {
        return;
    }
    for m in LINK.find_iter(lower) {
        let raw = m.as_str();
        let is_scheme =
            raw.contains("://") || raw.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www."));
        if !is_scheme {
            // A bare domain inside an email address or a longer token is not a link.
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b"@./-_".contains(&b))
                || after == Some(b'@')
            {
                continue;
            }
        }
        let trimmed =
            raw.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"', ']', '>']);
        let host = normalize_host(trimmed);
        if host.is_empty() || host_allowed(&host, allow) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::LinkNotAllowed,
            span: Span::new(m.start(), m.start() + trimmed.len()),
            message: if allow.is_empty() {
                format!("link to '{host}': no links are allowed")
            } else {
                format!(
                    "link to '{host}' is not on the allow-list ({})",
                    allow.join(", ")
                )
            },
        });
    }
}

fn next_word(text: &str, from: usize) -> &str {
    let rest = text[from..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '%'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// True when the text before `at` ends a sentence (or is empty), so a capital letter
/// at `at` says nothing about a proper noun.
fn sentence_start(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    before.is_empty() || before.ends_with(['.', '!', '?', ':', ';', '"', '(', '-', '•', '*'])
}

/// `names`: lowercase name parts of the recipient; a surname like "Young" is not
/// wording about age.
pub(crate) fn discriminatory(text: &Text<'_>, names: &[String], out: &mut Vec<Finding>) {
    for m in DISCRIMINATORY.find_iter(&text.lower) {
        if !text.word_bounded(m.start(), m.end()) {
            continue;
        }
        let lower = m.as_str();
        let s = &text.raw[m.start()..m.end()];
        let one_word = !s.contains(char::is_whitespace);
        if one_word {
            let capitalised = s.starts_with(char::is_uppercase);
            if capitalised
                && (names.iter().any(|n| n == lower) || !sentence_start(text.raw, m.start()))
            {
                continue;
            }
        }
        let class = DISCRIMINATION_CLASSES
            .iter()
            .find(|(_, r)| r.is_match(lower))
            .map_or("a protected class", |(c, _)| c);
        if class == "age" && lower.starts_with("under") {
            let unit = next_word(&text.lower, m.end());
            if QUANTITY_UNITS.contains(&unit) {
                continue;
            }
        }
        out.push(Finding {
            code: RuleCode::DiscriminatoryLanguage,
            span: Span::new(m.start(), m.end()),
            message: format!("'{s}' screens candidates by {class}"),
        });
    }
}

/// Hourly pay amounts stated in the text, with their spans.
pub(crate) fn stated_pay(text: &Text<'_>) -> Vec<(Span, f64)> {
    let lower = text.lower.as_str();
    let mut out = Vec::new();
    let mut collect = |r: &Regex| {
        for c in r.captures_iter(lower) {
            let (Some(whole), Some(amount)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if let Ok(a) = amount.as_str().parse::<f64>() {
                out.push((Span::new(whole.start(), whole.end()), a));
            }
        }
    };
    if lower.contains('$') {
        collect(&PAY_DOLLAR_SIGN);
    }
    if lower.contains("dollar") || lower.contains("usd") {
        collect(&PAY_DOLLAR_WORD);
    }
    out
}

pub(crate) fn profanity(text: &Text<'_>, out: &mut Vec<Finding>) {
    for m in PROFANITY.find_iter(&text.lower) {
        if !text.word_bounded(m.start(), m.end()) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::Profanity,
            span: Span::new(m.start(), m.end()),
            message: format!("profanity '{}'", &text.raw[m.start()..m.end()]),
        });
    }
}

fn has_word(re: &Regex, text: &Text<'_>) -> bool {
    re.find_iter(&text.lower)
        .any(|m| text.word_bounded(m.start(), m.end()))
}

pub(crate) fn has_stop(text: &Text<'_>) -> bool {
    has_word(&STOP, text)
}

pub(crate) fn has_unsubscribe(text: &Text<'_>) -> bool {
    has_word(&UNSUBSCRIBE, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        LazyLock::force(&PLACEHOLDER);
        LazyLock::force(&GREETING);
        LazyLock::force(&LINK);
        LazyLock::force(&DISCRIMINATORY);
        assert_eq!(DISCRIMINATION_CLASSES.len(), DISCRIMINATION.len());
        LazyLock::force(&PAY_DOLLAR_SIGN);
        LazyLock::force(&PAY_DOLLAR_WORD);
        LazyLock::force(&STOP);
        LazyLock::force(&UNSUBSCRIBE);
        LazyLock::force(&PROFANITY);
    }

    #[test]
    fn hosts() {
        let allow = vec!["lakesidestaffing.com".to_string()];
        assert!(host_allowed("lakesidestaffing.com", &allow));
        assert!(host_allowed("jobs.lakesidestaffing.com", &allow));
        assert!(!host_allowed("evil-lakesidestaffing.com", &allow));
        assert!(!host_allowed("lakesidestaffing.com.evil.io", &allow));
    }
}
