//! Content rules shared by email and SMS: placeholders, greeting, links,
//! discriminatory wording, stated pay, profanity and the opt-out lines.

use std::collections::HashSet;
use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

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
        // Bracketed Title Case words: `[First Name]`, `{Company}`, `<Start Date>`; kept
        // only when a word names a person or field (see `FIELD_WORDS`).
        r"|\[\s*\p{Lu}\p{Ll}+(?:[ _]\p{Lu}\p{Ll}+)*\s*\]",
        r"|\{\s*\p{Lu}\p{Ll}+(?:[ _]\p{Lu}\p{Ll}+)*\s*\}",
        r"|<\s*\p{Lu}\p{Ll}+(?:[ _]\p{Lu}\p{Ll}+)*\s*>",
    ))
});

/// Words that make a bracketed Title Case phrase a template field (`[First Name]`,
/// `<Start Date>`, `{Company}`), lowercase.
const FIELD_WORDS: &[&str] = &[
    "name",
    "first",
    "last",
    "full",
    "surname",
    "company",
    "client",
    "employer",
    "agency",
    "date",
    "time",
    "day",
    "address",
    "street",
    "city",
    "state",
    "zip",
    "phone",
    "number",
    "email",
    "position",
    "role",
    "job",
    "title",
    "location",
    "site",
    "pay",
    "rate",
    "wage",
    "salary",
    "shift",
    "start",
    "end",
    "recipient",
    "candidate",
    "worker",
    "employee",
    "manager",
    "recruiter",
    "contact",
    "signature",
    "link",
    "url",
    "insert",
    "your",
    "amount",
    "hours",
    "schedule",
    "department",
    "placeholder",
    "field",
    "customer",
];

/// Bracketed all-caps tags that are no placeholder in a subject (`[URGENT] Shift …`).
const SUBJECT_TAGS: &[&str] = &[
    "URGENT",
    "UPDATE",
    "UPDATED",
    "REMINDER",
    "NEW",
    "FYI",
    "IMPORTANT",
    "HIRING",
    "NOW HIRING",
    "JOB ALERT",
    "SHIFT ALERT",
    "OPEN SHIFT",
    "ALERT",
    "NOTICE",
    "INFO",
    "ACTION REQUIRED",
    "REPLY NEEDED",
    "TIME SENSITIVE",
    "FINAL REMINDER",
    "EXTERNAL",
    "RE",
    "FW",
    "FWD",
    "CONFIRMED",
    "CANCELLED",
    "CANCELED",
    "CHANGE",
    "OFFER",
];

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

/// URLs and bare domains in free text (emails are PII's business).
static LINKS: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut f = LinkFinder::new();
    f.url_must_have_scheme(false);
    f
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
        r"\s*(?:/\s*(?:hr|hour|h)(?-u:\b)|per\s+(?:hr|hour)(?-u:\b)|an?\s+(?:hr|hour)(?-u:\b)|hourly(?-u:\b)|p/?h(?-u:\b)|(?:hr|hrs|hour)(?-u:\b))"
    };
}
/// `$15/hr`, `$15 / hour`, `$15 hr`, `$15 an hour`, `$15 per hour`.
static PAY_DOLLAR_SIGN: LazyLock<Regex> =
    LazyLock::new(|| re(concat!(r"\$\s?([0-9]{1,4}(?:\.[0-9]{1,2})?)", per_hour!())));
/// `15 dollars an hour`, `15 usd/hr`, `15/hr`.
static PAY_DOLLAR_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u:\b)([0-9]{1,4}(?:\.[0-9]{1,2})?)(?:\s*(?:dollars|usd|bucks)",
        per_hour!(),
        r"|\s*/\s*(?:hr|hour|h)(?-u:\b))"
    ))
});
/// `USD 15`, `USD 15.50/hr` (an hourly rate unless another period follows).
static PAY_USD_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u:\b)usd\s?\$?([0-9]{1,4}(?:\.[0-9]{1,2})?)(?:",
        per_hour!(),
        r")?"
    ))
});
/// What after `USD 15` makes it no hourly rate: thousands, `k`, another period.
static NOT_HOURLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[0-9,]|\s*k(?-u:\b)|\s*(?:/|per|an?|each|every)\s*(?:wk|week|mo|month|yr|year|annum|day|shift|visit|job|referral)|\s*(?:weekly|monthly|annually|yearly|daily|salary|a\s+year|bonus))",
    )
});
/// Words that make an amount near them an add-on rather than the pay rate.
const ADD_ON_WORDS: &[&str] = &[
    "differential",
    "differentials",
    "premium",
    "premiums",
    "raise",
    "raises",
    "bonus",
    "bonuses",
    "extra",
    "additional",
    "more",
    "increase",
    "increases",
];
/// Tipped work: the amount is compared with the tipped minimum.
static TIPPED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u:\b)(?:tipped|(?:plus|and|\+)\s*tips)(?-u:\b)"));

static PROFANITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?:fuck(?:s|ed|er|ers|ing)?|motherfuck(?:er|ers|ing)?|shit(?:s|ty|ting)?|bullshit|bitch(?:es|y)?|bastards?|assholes?|damn(?:ed|it)?|goddamn|crap(?:py)?|piss(?:ed)?|wtf)(?-u:\b)",
    )
});

/// Stems of the profanity list for the obfuscation check, with their suffixes.
const PROFANITY_STEMS: &[(&str, &[&str])] = &[
    ("fuck", &["", "s", "ed", "er", "ers", "ing", "in"]),
    ("motherfuck", &["", "er", "ers", "ing"]),
    ("shit", &["", "s", "ty", "ting", "head"]),
    ("bullshit", &[""]),
    ("bitch", &["", "es", "y"]),
    ("bastard", &["", "s"]),
    ("asshole", &["", "s"]),
    ("damn", &["", "ed", "it"]),
    ("goddamn", &["", "it"]),
    ("crap", &["", "py"]),
    ("wtf", &[""]),
];

/// Every listed word with its suffixes, repeated letters squeezed (`bulshit`).
static PROFANITY_SQUEEZED: LazyLock<HashSet<String>> = LazyLock::new(|| {
    PROFANITY_STEMS
        .iter()
        .flat_map(|(stem, suffixes)| suffixes.iter().map(move |x| squeeze(&format!("{stem}{x}"))))
        .collect()
});

/// An opt-out instruction: a keyword after reply / text / txt / send / msg, or a
/// keyword followed by "to opt out" / "to unsubscribe" / "to end" / "to stop".
static OPT_OUT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u:\b)(?:",
        r"(?:reply|text|txt|send|msg)(?:\s+(?:with|back))?\s*[:\-]?\s*[\x22'“”‘’«]?\s*(?:stopall|stop|unsubscribe|cancel|end|quit)",
        r"|(?:stopall|stop|unsubscribe|cancel|end|quit)[\x22'“”’»]?\s+to\s+(?:opt[\s\-]?out|unsubscribe|end|stop|cancel|quit)",
        r")(?-u:\b)",
    ))
});
static UNSUBSCRIBE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u:\b)(?:unsubscribe|opt[- ]?out|reply\s+stop)(?-u:\b)"));

/// Only the opening of a message holds its greeting.
const GREETING_WINDOW: usize = 256;

/// `in_subject`: bracketed all-caps tags like `[URGENT]` are no placeholder there.
pub(crate) fn placeholders(text: &Text<'_>, in_subject: bool, out: &mut Vec<Finding>) {
    let norm: &str = &text.norm;
    if !norm.contains(['{', '[', '<', '%']) {
        return;
    }
    for m in PLACEHOLDER.find_iter(norm) {
        let s = m.as_str();
        let inner = s
            .trim_start_matches(['{', '[', '<'])
            .trim_end_matches(['}', ']', '>'])
            .trim();
        if s.starts_with('<') && s.ends_with('>') && HTML_TAGS.contains(&inner) {
            continue;
        }
        if in_subject && s.starts_with('[') && SUBJECT_TAGS.contains(&inner) {
            continue;
        }
        let title_case = inner.chars().next().is_some_and(char::is_uppercase)
            && inner.chars().skip(1).any(char::is_lowercase);
        if title_case
            && !inner
                .split([' ', '_'])
                .any(|w| FIELD_WORDS.contains(&w.to_lowercase().as_str()))
        {
            continue;
        }
        out.push(Finding {
            code: RuleCode::PlaceholderUnresolved,
            span: Span::new(m.start(), m.end()),
            message: format!(
                "unresolved template placeholder '{}'",
                text.raw_of(Span::new(m.start(), m.end()))
            ),
        });
    }
}

/// The name in the first greeting line when it is not the recipient's.
pub(crate) fn recipient_mismatch(text: &Text<'_>, recipient: &Worker) -> Option<Finding> {
    let norm: &str = &text.norm;
    let mut end = norm.len().min(GREETING_WINDOW);
    while !norm.is_char_boundary(end) {
        end -= 1;
    }
    let caps = GREETING.captures(&norm[..end])?;
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

/// The host a browser would go to for `link` (WHATWG URL parsing: `\` ends the
/// authority of an http(s) URL, userinfo before `@` is dropped, IDNs become punycode),
/// lowercase without a trailing dot; `None` when it has none.
pub(crate) fn link_host(link: &str) -> Option<String> {
    let parsed = if link.contains("://") {
        url::Url::parse(link)
    } else {
        url::Url::parse(&format!("http://{link}"))
    };
    let url = parsed.ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// True when `host` ends in a public suffix from the public suffix list and has a
/// registrable label before it (`evil.ru`, `x.co.uk`; not `mr.smith` or `file.pdf`).
fn has_public_suffix(host: &str) -> bool {
    psl::domain(host.as_bytes()).is_some_and(|d| d.suffix().is_known())
}

/// `allow` holds normalised hosts (see `normalize_host`).
pub(crate) fn links(text: &Text<'_>, allow: &[String], out: &mut Vec<Finding>) {
    let norm: &str = &text.norm;
    let bytes = norm.as_bytes();
    let dotted = bytes
        .windows(2)
        .any(|w| w[0] == b'.' && (w[1].is_ascii_alphanumeric() || w[1] >= 0x80));
    if !dotted && !norm.contains("://") {
        return;
    }
    for link in LINKS.links(norm) {
        if *link.kind() != LinkKind::Url {
            continue;
        }
        let raw = link.as_str();
        let has_scheme = raw.contains("://");
        if !has_scheme {
            // A bare domain inside an email address or a longer token is not a link.
            let before = link.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(link.end()).copied();
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b"@./-_".contains(&b))
                || after == Some(b'@')
            {
                continue;
            }
        }
        let host = link_host(raw);
        let host = match host {
            Some(h) => h,
            // A scheme link no browser could resolve is still not on the allow-list.
            None if has_scheme => raw.to_ascii_lowercase(),
            None => continue,
        };
        let www = host.starts_with("www.");
        if !has_scheme && !www && !has_public_suffix(&host) {
            continue;
        }
        if host_allowed(&host, allow) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::LinkNotAllowed,
            span: Span::new(link.start(), link.end()),
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

/// Capitalised words of job-ad headlines ("Hiring Young Workers", "Young Talent
/// Wanted"): next to a listed word they do not make it part of a proper name.
const HEADLINE_WORDS: &[&str] = &[
    "a",
    "adults",
    "all",
    "an",
    "and",
    "applicants",
    "apply",
    "are",
    "associates",
    "at",
    "attractive",
    "bar",
    "be",
    "blood",
    "boys",
    "candidates",
    "cashiers",
    "cooks",
    "crew",
    "desk",
    "drivers",
    "dynamic",
    "employees",
    "energetic",
    "enthusiastic",
    "faces",
    "for",
    "fresh",
    "friendly",
    "front",
    "gals",
    "girls",
    "graduates",
    "grads",
    "guys",
    "healthy",
    "help",
    "hire",
    "hires",
    "hiring",
    "immediately",
    "in",
    "is",
    "job",
    "jobs",
    "join",
    "ladies",
    "looking",
    "male",
    "female",
    "members",
    "men",
    "minds",
    "motivated",
    "must",
    "needed",
    "new",
    "now",
    "of",
    "only",
    "openings",
    "operators",
    "our",
    "people",
    "persons",
    "positions",
    "preferred",
    "pretty",
    "professionals",
    "required",
    "roles",
    "seeking",
    "servers",
    "shift",
    "shifts",
    "staff",
    "strong",
    "talent",
    "talented",
    "team",
    "the",
    "to",
    "urgently",
    "wanted",
    "we",
    "welcome",
    "with",
    "women",
    "workers",
    "you",
    "young",
    "your",
];

/// Personal titles: a capitalised word after one is a name.
const TITLES: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr"];

/// The capitalised word right before `start` and right after `end` in `norm`, when
/// only spaces (no line break, no other punctuation than a title's or an
/// abbreviation's `.`) separate it.
fn neighbours(norm: &str, start: usize, end: usize) -> [Option<&str>; 2] {
    let word_char = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
    let before = {
        let head = &norm[..start];
        let trimmed = head.trim_end_matches(' ');
        if trimmed.len() == head.len() && !head.is_empty() {
            None
        } else {
            let t = trimmed.strip_suffix('.').unwrap_or(trimmed);
            let w_start = t
                .char_indices()
                .rev()
                .take_while(|&(_, c)| word_char(c))
                .last()
                .map_or(t.len(), |(i, _)| i);
            Some(&t[w_start..]).filter(|w| !w.is_empty())
        }
    };
    let after = {
        let tail = &norm[end..];
        let trimmed = tail.trim_start_matches(' ');
        if trimmed.len() == tail.len() && !tail.is_empty() {
            None
        } else {
            let w_end = trimmed
                .char_indices()
                .find(|&(_, c)| !word_char(c))
                .map_or(trimmed.len(), |(i, _)| i);
            Some(&trimmed[..w_end]).filter(|w| !w.is_empty())
        }
    };
    [before, after]
}

/// True when most letters of the sentence around `at` are capitals.
fn shouting(norm: &str, at: usize) -> bool {
    let stop = |c: char| matches!(c, '\n' | '.' | '!' | '?');
    let s = norm[..at].rfind(stop).map_or(0, |i| i + 1);
    let e = norm[at..].find(stop).map_or(norm.len(), |i| at + i);
    let (mut upper, mut letters) = (0usize, 0usize);
    for c in norm[s..e].chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if c.is_uppercase() {
            upper += 1;
        }
    }
    letters >= 6 && upper * 10 >= letters * 6
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// Whether a capitalised listed word at `start..end` is part of a name: the
/// recipient's (`Dear Ms. Young`), or a run of capitalised words forming a proper
/// name (`Sam Young`, `Girls Inc.`) in a sentence not written in capitals.
fn part_of_a_name(text: &Text<'_>, start: usize, end: usize, names: &[String]) -> bool {
    let norm: &str = &text.norm;
    let token = &norm[start..end];
    if !capitalised(token) {
        return false;
    }
    let lower = token.to_lowercase();
    let [before, after] = neighbours(norm, start, end);
    let is_name_part = |w: &str| names.iter().any(|n| *n == w.to_lowercase());
    let is_title = |w: &str| TITLES.contains(&w.to_lowercase().as_str());
    let all_caps = !token.chars().any(char::is_lowercase);
    if names.contains(&lower) {
        let next_to_name = before.is_some_and(|w| is_name_part(w) || is_title(w))
            || after.is_some_and(is_name_part);
        if next_to_name || !all_caps {
            return true;
        }
    }
    if shouting(norm, start) {
        return false;
    }
    let proper = |w: &str| capitalised(w) && !HEADLINE_WORDS.contains(&w.to_lowercase().as_str());
    before.is_some_and(|w| proper(w) || is_title(w)) || after.is_some_and(proper)
}

/// `names`: lowercase name parts of the recipient; a surname like "Young" is not
/// wording about age.
pub(crate) fn discriminatory(text: &Text<'_>, names: &[String], out: &mut Vec<Finding>) {
    for m in DISCRIMINATORY.find_iter(&text.lower) {
        if !text.word_bounded(m.start(), m.end()) {
            continue;
        }
        let lower = m.as_str();
        let s = &text.norm[m.start()..m.end()];
        let one_word = !s.contains(char::is_whitespace);
        if one_word && part_of_a_name(text, m.start(), m.end(), names) {
            continue;
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
            message: format!(
                "'{}' screens candidates by {class}",
                text.raw_of(Span::new(m.start(), m.end()))
            ),
        });
    }
}

/// An hourly amount stated in a draft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StatedPay {
    /// Where (normalised offsets).
    pub span: Span,
    /// USD per hour.
    pub amount: f64,
    /// Stated as tipped work (`plus tips`, `tipped`): compared with the tipped minimum.
    pub tipped: bool,
}

/// Up to `n` words of `s` from its end (`rev`) or start, stopping at sentence
/// punctuation.
fn words_near(s: &str, n: usize, rev: bool) -> Vec<&str> {
    let stop = |c: char| matches!(c, '.' | ',' | ';' | '!' | '?' | '\n' | '(' | ')' | ':');
    let clause = if rev {
        s.rfind(stop).map_or(s, |i| &s[i + 1..])
    } else {
        s.find(stop).map_or(s, |i| &s[..i])
    };
    let words = clause.split_whitespace();
    if rev {
        let mut v: Vec<&str> = words.rev().take(n).collect();
        v.reverse();
        v
    } else {
        words.take(n).collect()
    }
}

fn is_add_on(lower: &str, span: Span) -> bool {
    let head = &lower[..span.start];
    if head.trim_end().ends_with('+') {
        return true;
    }
    let listed = |w: &&str| ADD_ON_WORDS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric()));
    if words_near(head, 2, true).iter().any(listed) {
        return true;
    }
    words_near(&lower[span.end..], 2, false)
        .iter()
        .take_while(|w| **w != "or")
        .any(listed)
}

/// Hourly pay rates stated in the text (add-ons such as a `$1/hr night differential`
/// left out), in text order.
pub(crate) fn stated_pay(text: &Text<'_>) -> Vec<StatedPay> {
    let lower = text.lower.as_str();
    let mut found: Vec<(Span, f64)> = Vec::new();
    let mut collect = |r: &Regex, usd_prefix: bool| {
        for c in r.captures_iter(lower) {
            let (Some(whole), Some(amount)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if usd_prefix && NOT_HOURLY.is_match(&lower[whole.end()..]) {
                continue;
            }
            if let Ok(a) = amount.as_str().parse::<f64>() {
                found.push((Span::new(whole.start(), whole.end()), a));
            }
        }
    };
    if lower.contains('$') {
        collect(&PAY_DOLLAR_SIGN, false);
    }
    if lower.contains('/')
        || lower.contains("dollar")
        || lower.contains("usd")
        || lower.contains("bucks")
    {
        collect(&PAY_DOLLAR_WORD, false);
    }
    if lower.contains("usd") {
        collect(&PAY_USD_PREFIX, true);
    }
    found.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
    let mut out: Vec<StatedPay> = Vec::new();
    let tips: Vec<Span> = if lower.contains("tip") {
        TIPPED
            .find_iter(lower)
            .map(|m| Span::new(m.start(), m.end()))
            .collect()
    } else {
        Vec::new()
    };
    // Overlapping matches (`$2/hr` and its `2/hr`) are one amount: the first decides.
    let mut covered = 0;
    for (span, amount) in found {
        if span.start < covered {
            continue;
        }
        covered = span.end;
        if is_add_on(lower, span) {
            continue;
        }
        let tipped = tips.iter().any(|t| {
            (t.start >= span.end && t.start - span.end <= 40)
                || (t.end <= span.start && span.start - t.end <= 40)
        });
        out.push(StatedPay {
            span,
            amount,
            tipped,
        });
    }
    out
}

pub(crate) fn profanity(text: &Text<'_>, out: &mut Vec<Finding>) {
    let first = out.len();
    for m in PROFANITY.find_iter(&text.lower) {
        if !text.word_bounded(m.start(), m.end()) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::Profanity,
            span: Span::new(m.start(), m.end()),
            message: format!("profanity '{}'", text.raw_of(Span::new(m.start(), m.end()))),
        });
    }
    let plain: Vec<Span> = out[first..].iter().map(|f| f.span).collect();
    for span in obfuscated_profanity(&text.lower) {
        if plain
            .iter()
            .any(|p| p.start < span.end && span.start < p.end)
        {
            continue;
        }
        out.push(Finding {
            code: RuleCode::Profanity,
            span,
            message: format!("obfuscated profanity '{}'", text.raw_of(span)),
        });
    }
}

/// `s` with runs of one repeated letter squeezed to one (`fuuuck` → `fuck`).
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) || c == '*' {
            out.push(c);
        }
    }
    out
}

/// Bytes that can sit inside an obfuscated word: letters, digits and symbols used as
/// separators, masks or look-alikes.
fn obfuscation_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b"*@$!._-#+|~'".contains(&b)
}

/// The letters an obfuscated token spells: separators dropped, look-alikes read as
/// letters (`$`→s, `@`→a, `0`→o, `1`/`!`→i, `3`→e), `*` kept as a mask, repeated
/// letters squeezed. `None` when the token has fewer than two real letters.
fn deobfuscate(token: &str) -> Option<String> {
    if token.bytes().filter(u8::is_ascii_lowercase).count() < 2 {
        return None;
    }
    let mut s = String::with_capacity(token.len());
    for b in token.bytes() {
        let c = match b {
            b'a'..=b'z' | b'*' => b as char,
            b'$' => 's',
            b'@' => 'a',
            b'0' => 'o',
            b'1' | b'!' => 'i',
            b'3' => 'e',
            _ => continue,
        };
        s.push(c);
    }
    Some(squeeze(&s))
}

/// Whether `masked` (letters and `*` masks, each run of masks standing for one to three
/// letters) spells `word`.
fn mask_matches(masked: &[u8], word: &[u8]) -> bool {
    match masked.split_first() {
        None => word.is_empty(),
        Some((b'*', rest)) => {
            let rest = rest.strip_prefix(b"*").unwrap_or(rest);
            let rest = rest.strip_prefix(b"*").unwrap_or(rest);
            (1..=3).any(|k| word.len() >= k && mask_matches(rest, &word[k..]))
        }
        Some((c, rest)) => word.first() == Some(c) && mask_matches(rest, &word[1..]),
    }
}

fn is_profane(spelled: &str) -> bool {
    if spelled.contains('*') {
        let masked = spelled.as_bytes();
        masked.iter().any(u8::is_ascii_lowercase)
            && PROFANITY_SQUEEZED
                .iter()
                .any(|w| mask_matches(masked, w.as_bytes()))
    } else {
        PROFANITY_SQUEEZED.contains(spelled)
    }
}

/// Listed words written with separators, masks, look-alikes or repeated letters
/// inside (`f.u.c.k`, `sh*t`, `$hit`, `fuuuck`, `f u c k`), as spans of `lower`.
fn obfuscated_profanity(lower: &str) -> Vec<Span> {
    let b = lower.as_bytes();
    let mut out = Vec::new();
    // Single letters separated by single spaces: `f u c k`.
    let mut spaced: Vec<(usize, usize)> = Vec::new();
    let flush = |spaced: &mut Vec<(usize, usize)>, out: &mut Vec<Span>| {
        if spaced.len() >= 3 {
            let letters: String = spaced.iter().map(|&(s, _)| char::from(b[s])).collect();
            if is_profane(&squeeze(&letters)) {
                out.push(Span::new(spaced[0].0, spaced[spaced.len() - 1].1));
            }
        }
        spaced.clear();
    };
    let mut i = 0;
    while i < b.len() {
        if !obfuscation_byte(b[i]) {
            if b[i] != b' ' || i + 1 >= b.len() || !obfuscation_byte(b[i + 1]) {
                flush(&mut spaced, &mut out);
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && obfuscation_byte(b[i]) {
            i += 1;
        }
        // Trim punctuation around the token; `$` and `@` may stand for letters in
        // front, `*` may mask the last letters.
        let mut s = start;
        while s < i && b"!._-#+|~'".contains(&b[s]) {
            s += 1;
        }
        let mut e = i;
        while e > s && b"!._-#+|~'@$".contains(&b[e - 1]) {
            e -= 1;
        }
        if s >= e {
            flush(&mut spaced, &mut out);
            continue;
        }
        let token = &lower[s..e];
        if e - s == 1 && b[s].is_ascii_lowercase() {
            spaced.push((s, e));
            continue;
        }
        flush(&mut spaced, &mut out);
        let plain = token.bytes().all(|c| c.is_ascii_lowercase());
        if plain && !token.as_bytes().windows(2).any(|w| w[0] == w[1]) {
            continue;
        }
        if let Some(spelled) = deobfuscate(token) {
            if is_profane(&spelled) {
                out.push(Span::new(s, e));
            }
        }
    }
    flush(&mut spaced, &mut out);
    out
}

fn has_word(re: &Regex, text: &Text<'_>) -> bool {
    re.find_iter(&text.lower)
        .any(|m| text.word_bounded(m.start(), m.end()))
}

/// An SMS opt-out instruction ("Reply STOP to opt out", "Text END to opt out"), not
/// merely the word "stop".
pub(crate) fn has_opt_out(text: &Text<'_>) -> bool {
    has_word(&OPT_OUT, text)
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
        LazyLock::force(&LINKS);
        LazyLock::force(&DISCRIMINATORY);
        assert_eq!(DISCRIMINATION_CLASSES.len(), DISCRIMINATION.len());
        LazyLock::force(&PAY_DOLLAR_SIGN);
        LazyLock::force(&PAY_DOLLAR_WORD);
        LazyLock::force(&OPT_OUT);
        LazyLock::force(&PAY_USD_PREFIX);
        LazyLock::force(&NOT_HOURLY);
        LazyLock::force(&TIPPED);
        assert!(PROFANITY_SQUEEZED.contains("bulshit"));
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
        assert_eq!(
            link_host(r"https://evil.io\@lakesidestaffing.com").as_deref(),
            Some("evil.io")
        );
        assert_eq!(link_host("https://a@evil.io").as_deref(), Some("evil.io"));
        assert_eq!(
            link_host("Jobs.Example.CO.UK./x").as_deref(),
            Some("jobs.example.co.uk")
        );
        assert!(has_public_suffix("evil.ru") && has_public_suffix("x.co.uk"));
        assert!(!has_public_suffix("mr.smith") && !has_public_suffix("co.uk"));
    }

    #[test]
    fn obfuscation() {
        assert_eq!(deobfuscate("f.u.c.k").as_deref(), Some("fuck"));
        assert_eq!(deobfuscate("$hiiit").as_deref(), Some("shit"));
        assert!(is_profane("f*ck") && is_profane("f**k") && is_profane("b***h"));
        assert!(!is_profane("***") && !is_profane("cl*ss"));
        fn spans(s: &str) -> Vec<&str> {
            obfuscated_profanity(s)
                .iter()
                .map(|x| &s[x.start..x.end])
                .collect()
        }
        assert_eq!(spans("what the f u c k. ok"), vec!["f u c k"]);
        assert_eq!(spans("no sh!t, fuuuck!"), vec!["sh!t", "fuuuck"]);
        assert!(spans("e.g. the staffing office, 4111-1111, a.m., class assess").is_empty());
    }
}
