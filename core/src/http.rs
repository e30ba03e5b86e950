//! The one HTTP client configuration and retry policy of the crate, shared by the
//! embedding client ([`crate::embed::HttpEmbedder`]) and the chat client
//! ([`crate::replay::OpenAiChat`]).
//!
//! - **TLS**: `https://` URLs are served by rustls (ring provider) with the bundled
//!   Mozilla root certificates (`webpki-roots`), or only the certificates of a PEM file
//!   ([`HttpOptions::root_certs_pem`], for a private CA). A certificate the roots do not
//!   vouch for is an [`Error::Http`] naming the problem, never retried.
//! - **Proxies**: unless [`HttpOptions::proxy`] names one, the usual environment
//!   variables are honoured: `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and their
//!   lower-case forms) with `NO_PROXY` exclusions.
//! - **Retries**: connection failures, timeouts, HTTP 429 and 5xx are retried up to
//!   [`HttpOptions::max_retries`] times, waiting `backoff_base_ms` doubled on each retry
//!   and capped at `backoff_max_ms`; a `Retry-After` in seconds is honoured when it
//!   fits under that cap, and a longer one fails the call at once. Other statuses fail
//!   at once. The last error says how many attempts were made.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ureq::http::Response;

use crate::{Error, Result};

/// HTTP settings shared by the embedding and chat clients (serde, every field
/// defaulted).
///
/// ```
/// use lakehouse::http::HttpOptions;
/// let o: HttpOptions = serde_json::from_str(r#"{"max_retries": 5}"#).unwrap();
/// assert_eq!(o.max_retries, 5);
/// assert_eq!(o.proxy, None); // from the environment
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpOptions {
    /// TCP (and TLS) connect deadline of one attempt, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Deadline of one attempt, connect to last byte of the answer, in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt for connection failures, timeouts, 429 and 5xx.
    pub max_retries: u32,
    /// First retry delay in milliseconds; doubles on each retry.
    pub backoff_base_ms: u64,
    /// Cap on any single wait; a `Retry-After` asking for longer fails the call.
    pub backoff_max_ms: u64,
    /// Proxy URL (`http://host:port`; `CONNECT` tunnels `https://`). `None`: from the
    /// environment (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, honouring `NO_PROXY`);
    /// an empty string: no proxy, whatever the environment says.
    pub proxy: Option<String>,
    /// PEM file whose certificates are the only trusted roots for `https://` (a
    /// private CA). `None`: the bundled Mozilla roots.
    pub root_certs_pem: Option<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout_ms: 5_000,
            timeout_ms: 30_000,
            max_retries: 3,
            backoff_base_ms: 200,
            backoff_max_ms: 10_000,
            proxy: None,
            root_certs_pem: None,
        }
    }
}

impl HttpOptions {
    /// `INVALID_CONFIG` for a zero timeout or a backoff cap below its base.
    pub fn validate(&self) -> Result<()> {
        if self.connect_timeout_ms == 0 || self.timeout_ms == 0 {
            return Err(Error::InvalidConfig(
                "http connect_timeout_ms and timeout_ms must be at least 1".into(),
            ));
        }
        if self.backoff_max_ms < self.backoff_base_ms {
            return Err(Error::InvalidConfig(format!(
                "http backoff_max_ms ({}) is below backoff_base_ms ({})",
                self.backoff_max_ms, self.backoff_base_ms
            )));
        }
        Ok(())
    }
}

/// A configured agent posting JSON to one URL with the shared retry policy.
#[derive(Clone)]
pub(crate) struct Client {
    agent: ureq::Agent,
    options: HttpOptions,
    url: String,
    /// What the requests are, for messages ("embedding request", "chat request").
    what: &'static str,
}

/// How one attempt ended when it did not succeed.
enum Failure {
    /// Worth another attempt (connection, timeout, 429, 5xx), with the server's
    /// `Retry-After` in seconds when it sent one.
    Retryable(Error, Option<u64>),
    /// Retrying cannot help.
    Fatal(Error),
}

impl Client {
    /// Validates `options` and `url` (`http://` or `https://`) and builds the agent.
    pub(crate) fn new(url: String, options: HttpOptions, what: &'static str) -> Result<Client> {
        options.validate()?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::InvalidConfig(format!(
                "{what} url {url:?} must start with http:// or https://"
            )));
        }
        let roots = match &options.root_certs_pem {
            None => ureq::tls::RootCerts::WebPki,
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                let certs = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| {
                        Error::InvalidConfig(format!(
                            "root_certs_pem '{}' is not valid PEM: {e}",
                            path.display()
                        ))
                    })?;
                if certs.is_empty() {
                    return Err(Error::InvalidConfig(format!(
                        "root_certs_pem '{}' holds no certificate",
                        path.display()
                    )));
                }
                ureq::tls::RootCerts::new_with_certs(&certs)
            }
        };
        let proxy = match &options.proxy {
            None => ureq::Proxy::try_from_env(),
            Some(p) if p.trim().is_empty() => None,
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| {
                Error::InvalidConfig(format!("http proxy {p:?} is not a proxy URL: {e}"))
            })?),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_millis(options.connect_timeout_ms)))
            .timeout_global(Some(Duration::from_millis(options.timeout_ms)))
            .proxy(proxy)
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .build()
            .into();
        Ok(Client {
            agent,
            options,
            url,
            what,
        })
    }

    /// The URL requests are posted to.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    fn http_err(&self, status: Option<u16>, reason: impl Into<String>) -> Error {
        Error::Http {
            url: self.url.clone(),
            status,
            reason: reason.into(),
        }
    }

    /// POSTs `body` as JSON (with `headers`) under the retry policy and returns the
    /// text of the first 2xx answer. `deadline` bounds the whole call, retries
    /// included (`TIMEOUT` naming it when it runs out). `body_limit` caps the answer.
    pub(crate) fn post_json(
        &self,
        body: &impl Serialize,
        headers: &[(&str, String)],
        deadline: Option<Duration>,
        body_limit: u64,
    ) -> Result<String> {
        let started = Instant::now();
        let attempts = self.options.max_retries.saturating_add(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let remaining = match deadline {
                Some(t) => match t.checked_sub(started.elapsed()) {
                    Some(r) if !r.is_zero() => Some(r),
                    _ => return Err(self.deadline_err(t)),
                },
                None => None,
            };
            let (err, retry_after) = match self.attempt(body, headers, remaining, body_limit) {
                Ok(text) => return Ok(text),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retryable(Error::Timeout { .. }, _))
                    if deadline.is_some_and(|t| started.elapsed() >= t) =>
                {
                    // The caller's deadline is what ran out: report it, not the rest.
                    return Err(self.deadline_err(deadline.unwrap_or_default()));
                }
                Err(Failure::Retryable(e, ra)) => (e, ra),
            };
            if attempt >= attempts {
                return Err(with_attempts(err, attempt));
            }
            if let Some(s) = retry_after {
                if s.saturating_mul(1000) > self.options.backoff_max_ms {
                    // A server asking for a long pause will not be ready after a short one.
                    return Err(match err {
                        Error::Http { url, status, .. } => Error::Http {
                            url,
                            status,
                            reason: format!(
                                "server asks to retry after {s} s, longer than backoff_max_ms \
                                 ({} ms)",
                                self.options.backoff_max_ms
                            ),
                        },
                        other => other,
                    });
                }
            }
            let wait = backoff(&self.options, attempt - 1, retry_after);
            if let Some(t) = deadline {
                if started.elapsed() + wait >= t {
                    return Err(self.deadline_err(t));
                }
            }
            std::thread::sleep(wait);
        }
    }

    fn deadline_err(&self, t: Duration) -> Error {
        Error::Timeout {
            what: format!("{} to {} (retries included)", self.what, self.url),
            ms: t.as_millis() as u64,
        }
    }

    /// One request.
    fn attempt(
        &self,
        body: &impl Serialize,
        headers: &[(&str, String)],
        deadline: Option<Duration>,
        body_limit: u64,
    ) -> std::result::Result<String, Failure> {
        let mut req = self.agent.post(&self.url);
        if let Some(d) = deadline {
            let d = d.min(Duration::from_millis(self.options.timeout_ms));
            req = req.config().timeout_global(Some(d)).build();
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut resp = req
            .send_json(body)
            .map_err(|e| self.transport_failure(e, deadline))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after_secs(&resp);
        let text = resp
            .body_mut()
            .with_config()
            .limit(body_limit)
            .read_to_string()
            .map_err(|e| self.transport_failure(e, deadline))?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let err = self.http_err(
            Some(status),
            format!("server answered HTTP {status}: {}", snippet(&text)),
        );
        if status == 429 || status >= 500 {
            Err(Failure::Retryable(err, retry_after))
        } else {
            Err(Failure::Fatal(err))
        }
    }

    fn transport_failure(&self, e: ureq::Error, deadline: Option<Duration>) -> Failure {
        let attempt_ms = deadline.map_or(self.options.timeout_ms, |d| {
            (d.as_millis() as u64).min(self.options.timeout_ms)
        });
        let timeout = |which: String, ms: u64| Error::Timeout {
            what: format!("{} to {}{which}", self.what, self.url),
            ms,
        };
        match e {
            ureq::Error::Timeout(which) => {
                let ms = match which {
                    ureq::Timeout::Connect => self.options.connect_timeout_ms,
                    _ => attempt_ms,
                };
                Failure::Retryable(timeout(format!(" ({which})"), ms), None)
            }
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut => {
                    Failure::Retryable(timeout(String::new(), attempt_ms), None)
                }
                std::io::ErrorKind::ConnectionRefused => {
                    Failure::Retryable(self.http_err(None, "connection refused"), None)
                }
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    Failure::Retryable(self.http_err(None, "connection reset by server"), None)
                }
                // rustls reports a refused certificate or handshake as invalid data.
                std::io::ErrorKind::InvalidData => {
                    Failure::Fatal(self.http_err(None, format!("TLS error: {io}")))
                }
                _ => Failure::Retryable(self.http_err(None, format!("I/O error: {io}")), None),
            },
            ureq::Error::ConnectionFailed => {
                Failure::Retryable(self.http_err(None, "connection failed"), None)
            }
            ureq::Error::HostNotFound => {
                Failure::Retryable(self.http_err(None, "host not found"), None)
            }
            ureq::Error::Protocol(p) => Failure::Retryable(
                self.http_err(None, format!("malformed HTTP response: {p}")),
                None,
            ),
            ureq::Error::Rustls(t) => {
                Failure::Fatal(self.http_err(None, format!("TLS error: {t}")))
            }
            ureq::Error::Tls(t) => Failure::Fatal(self.http_err(None, format!("TLS error: {t}"))),
            other => Failure::Fatal(self.http_err(None, other.to_string())),
        }
    }
}

/// The wait before retry number `retry_no + 1`: the base doubled per retry, at least
/// the server's `Retry-After`, never more than the cap.
pub(crate) fn backoff(o: &HttpOptions, retry_no: u32, retry_after_s: Option<u64>) -> Duration {
    let exp = o.backoff_base_ms.saturating_mul(1u64 << retry_no.min(20));
    let ms = match retry_after_s {
        Some(s) => s.saturating_mul(1000).max(exp),
        None => exp,
    };
    Duration::from_millis(ms.min(o.backoff_max_ms))
}

fn with_attempts(err: Error, attempts: u32) -> Error {
    match err {
        Error::Http {
            url,
            status,
            reason,
        } => Error::Http {
            url,
            status,
            reason: format!("{reason} (gave up after {attempts} attempts)"),
        },
        Error::Timeout { what, ms } => Error::Timeout {
            what: format!("{what} (gave up after {attempts} attempts)"),
            ms,
        },
        other => other,
    }
}

/// The `Retry-After` header in whole seconds, when the server sent one in that form
/// (the HTTP-date form is ignored: the caller's own backoff applies).
fn retry_after_secs(resp: &Response<ureq::Body>) -> Option<u64> {
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
    use super::*;

    #[test]
    fn snippet_trims_and_cuts_on_a_char_boundary() {
        assert_eq!(snippet("  short \n"), "short");
        let long = "é".repeat(250);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn backoff_doubles_honours_retry_after_and_is_capped() {
        let o = HttpOptions {
            backoff_base_ms: 250,
            ..HttpOptions::default()
        };
        assert_eq!(backoff(&o, 0, None), Duration::from_millis(250));
        assert_eq!(backoff(&o, 2, None), Duration::from_millis(1000));
        assert_eq!(backoff(&o, 0, Some(2)), Duration::from_millis(2000));
        assert_eq!(backoff(&o, 0, Some(3600)), Duration::from_millis(10_000));
        assert_eq!(backoff(&o, 30, None), Duration::from_millis(10_000));
    }

    #[test]
    fn bad_options_and_urls_are_invalid_config() {
        let ok = HttpOptions::default();
        for (url, o) in [
            ("ftp://x", ok.clone()),
            (
                "http://127.0.0.1:1",
                HttpOptions {
                    timeout_ms: 0,
                    ..ok.clone()
                },
            ),
            (
                "http://127.0.0.1:1",
                HttpOptions {
                    backoff_base_ms: 10,
                    backoff_max_ms: 5,
                    ..ok.clone()
                },
            ),
            (
                "http://127.0.0.1:1",
                HttpOptions {
                    proxy: Some("not a url".into()),
                    ..ok.clone()
                },
            ),
        ] {
            let e = Client::new(url.into(), o, "test request")
                .err()
                .map(|e| e.code());
            assert_eq!(e, Some("INVALID_CONFIG"), "{url}");
        }
        let d = tempfile::tempdir().unwrap();
        let pem = d.path().join("empty.pem");
        std::fs::write(&pem, "no certificate here\n").unwrap();
        let o = HttpOptions {
            root_certs_pem: Some(pem),
            ..ok
        };
        let e = Client::new("https://127.0.0.1:1".into(), o, "test request").err();
        assert_eq!(e.map(|e| e.code()), Some("INVALID_CONFIG"));
    }
}
