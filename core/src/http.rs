//! What the crate's two HTTP clients — the embedding client (`embed`) and the chat
//! client (`replay`) — share when reading an answer: the server's `Retry-After` and a
//! short quote of a body for error messages.

use ureq::http::Response;

/// The `Retry-After` header in whole seconds, when the server sent one in that form
/// (the HTTP-date form is ignored: the caller's own backoff applies).
pub(crate) fn retry_after_secs(resp: &Response<ureq::Body>) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// The first 200 characters of a trimmed body, for error messages.
pub(crate) fn snippet(text: &str) -> String {
    const MAX: usize = 200;
    let t = text.trim();
    match t.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippet_trims_and_cuts_on_a_char_boundary() {
        assert_eq!(snippet("  short \n"), "short");
        let long = "é".repeat(250);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
    }
}
