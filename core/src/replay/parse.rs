//! Reading model replies: fill proposals as JSON, emails as subject + body, SMS as text.
//!
//! Models wrap answers in code fences, add a sentence before the JSON, or put the
//! subject on a `Subject:` line; all of that is tolerated. What cannot be read as a
//! proposal becomes a failed verdict with [`MALFORMED_PROPOSAL`], never a crash.

/// Violation code of a fill reply that holds no readable `{"worker_ids": [...]}`.
pub const MALFORMED_PROPOSAL: &str = "REPLAY_MALFORMED_PROPOSAL";

/// Removes one surrounding Markdown code fence (```` ```json ... ``` ````) if present.
pub fn strip_code_fence(reply: &str) -> &str {
    let t = reply.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    // The info string (e.g. `json`) runs to the end of the first line.
    let rest = match rest.find('\n') {
        Some(i) => &rest[i + 1..],
        None => rest,
    };
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

/// The first JSON object in `reply`: the whole (unfenced) reply if it parses, else the
/// first balanced `{...}` span that parses.
pub fn extract_json_object(reply: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let text = strip_code_fence(reply);
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(text) {
        return Some(m);
    }
    // A fence may sit inside prose ("Here you go:\n```json\n{...}\n```").
    let text = match reply.find("```") {
        Some(i) if !text.starts_with('{') => strip_code_fence(&reply[i..]),
        _ => text,
    };
    let bytes = text.as_bytes();
    for (start, _) in text.match_indices('{') {
        if let Some(end) = balanced_end(&bytes[start..]) {
            if let Ok(serde_json::Value::Object(m)) =
                serde_json::from_str(&text[start..start + end])
            {
                return Some(m);
            }
        }
    }
    None
}

/// Length of the balanced `{...}` prefix of `s` (which starts with `{`), skipping
/// braces inside JSON strings.
fn balanced_end(s: &[u8]) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, &b) in s.iter().enumerate() {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Reads a fill proposal; `Err` holds a reason for the [`MALFORMED_PROPOSAL`] violation.
///
/// ```
/// use lakehouse::replay::parse_proposal;
/// assert_eq!(parse_proposal("```json\n{\"worker_ids\":[\"w-1\"]}\n```").unwrap(), ["w-1"]);
/// assert!(parse_proposal("{\"worker_ids\": [1, 2]}").is_err());
/// assert!(parse_proposal("I would pick w-1").is_err());
/// ```
pub fn parse_proposal(reply: &str) -> Result<Vec<String>, String> {
    let obj = extract_json_object(reply)
        .ok_or_else(|| format!("the reply holds no JSON object: {}", preview(reply)))?;
    let ids = obj
        .get("worker_ids")
        .ok_or_else(|| "the JSON object has no \"worker_ids\" field".to_string())?
        .as_array()
        .ok_or_else(|| "\"worker_ids\" is not a list".to_string())?;
    ids.iter()
        .map(|v| match v.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(format!("\"worker_ids\" holds a non-id value: {v}")),
        })
        .collect()
}

/// An email reply split into subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailParts {
    /// `None` when the reply has no subject line; the validator then reports it.
    pub subject: Option<String>,
    /// Everything after the subject line.
    pub body: String,
}

/// Splits an email reply: a JSON `{"subject", "body"}` object, or a `Subject:` line
/// among the first lines followed by the body, or (no subject) the whole reply as body.
pub fn parse_email(reply: &str) -> EmailParts {
    let text = strip_code_fence(reply);
    if let Some(obj) = extract_json_object(text).filter(|_| text.starts_with('{')) {
        if let Some(body) = obj.get("body").and_then(|b| b.as_str()) {
            return EmailParts {
                subject: obj
                    .get("subject")
                    .and_then(|s| s.as_str())
                    .map(str::to_string),
                body: body.to_string(),
            };
        }
    }
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if n >= 3 {
            break;
        }
        let trimmed = line.trim().trim_start_matches(['*', '#', ' ']);
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("subject:") {
            let subject = trimmed["subject:".len()..]
                .trim()
                .trim_matches(['*', ' '])
                .trim();
            return EmailParts {
                subject: Some(subject.to_string()),
                body: text[offset + line.len()..].trim().to_string(),
            };
        }
        offset += line.len();
    }
    EmailParts {
        subject: None,
        body: text.to_string(),
    }
}

/// An SMS reply: the text without fences and outer whitespace.
pub fn parse_sms(reply: &str) -> String {
    strip_code_fence(reply).to_string()
}

fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(80).collect();
    if p.len() < s.len() {
        p.push('…');
    }
    format!("{p:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_in_many_wrappings() {
        for reply in [
            r#"{"worker_ids":["w-1","w-2"]}"#,
            "```json\n{\"worker_ids\": [\"w-1\", \"w-2\"]}\n```",
            "```\n{\"worker_ids\": [\"w-1\", \"w-2\"]}```",
            "Here is my pick:\n```json\n{\"worker_ids\": [\"w-1\",\"w-2\"]}\n```\nThanks",
            "Sure! {\"note\": \"a } in a string\", \"worker_ids\": [\"w-1\", \"w-2\"]} done",
        ] {
            assert_eq!(parse_proposal(reply).unwrap(), ["w-1", "w-2"], "{reply}");
        }
    }

    #[test]
    fn malformed_proposals_have_reasons() {
        for (reply, want) in [
            ("", "no JSON object"),
            ("{\"worker_ids\": [\"w-1\"", "no JSON object"),
            ("{\"ids\": []}", "no \"worker_ids\""),
            ("{\"worker_ids\": \"w-1\"}", "not a list"),
            ("{\"worker_ids\": [null]}", "non-id"),
        ] {
            let e = parse_proposal(reply).unwrap_err();
            assert!(e.contains(want), "{reply}: {e}");
        }
    }

    #[test]
    fn email_subject_line_and_json_forms() {
        let p = parse_email("Subject: Shift Tuesday\n\nHi Ana,\nwe have a shift.");
        assert_eq!(p.subject.as_deref(), Some("Shift Tuesday"));
        assert_eq!(p.body, "Hi Ana,\nwe have a shift.");
        let p = parse_email("**Subject:** Shift\nHi Ana");
        assert_eq!(p.subject.as_deref(), Some("Shift"));
        let p = parse_email(r#"{"subject":"S","body":"B"}"#);
        assert_eq!((p.subject.as_deref(), p.body.as_str()), (Some("S"), "B"));
        let p = parse_email("Hi Ana, no subject here");
        assert_eq!(p.subject, None);
    }

    #[test]
    fn sms_is_unfenced_text() {
        assert_eq!(
            parse_sms("```\nHi Ana. Reply STOP to opt out\n```"),
            "Hi Ana. Reply STOP to opt out"
        );
        assert_eq!(strip_code_fence("```"), "");
    }
}
