//! Embeddings from an HTTP server: OpenAI-compatible `/v1/embeddings` or Ollama `/api/embed`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Embedder;
use crate::http::{retry_after_secs, snippet};
use crate::{Error, Result};

/// Wire protocol spoken by the embedding server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// `POST /v1/embeddings` with `{"model", "input": [..]}` → `{"data": [{"embedding", "index"}]}`
    /// (OpenAI, vLLM, llama.cpp, LM Studio, Ollama's compatibility endpoint).
    #[serde(rename = "openai")]
    OpenAi,
    /// `POST /api/embed` with `{"model", "input": [..]}` → `{"embeddings": [[..]]}` (Ollama).
    #[default]
    Ollama,
}

impl Api {
    fn path(self) -> &'static str {
        match self {
            Api::OpenAi => "/v1/embeddings",
            Api::Ollama => "/api/embed",
        }
    }
}

/// Settings of an [`HttpEmbedder`]. Every field has a default (an Ollama server on
/// localhost serving `nomic-embed-text`, dimension 768, like the Go stack).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpEmbedderConfig {
    /// Server base URL (`http://127.0.0.1:11434`); the API path is appended unless the
    /// URL already ends with it.
    pub url: String,
    /// Wire protocol.
    pub api: Api,
    /// Model name sent with each request.
    pub model: String,
    /// Dimension every returned vector must have.
    pub dim: usize,
    /// Sent as `Authorization: Bearer <key>` when set.
    pub api_key: Option<String>,
    /// Deadline of one request, connect to last byte, in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt for connection failures, timeouts, 429 and 5xx.
    pub max_retries: u32,
    /// Texts per request.
    pub batch_size: usize,
    /// First retry delay in milliseconds; doubles on each retry (a `Retry-After` header
    /// in seconds is honoured when longer, up to `timeout_ms`).
    pub retry_backoff_ms: u64,
}

impl Default for HttpEmbedderConfig {
    fn default() -> Self {
        HttpEmbedderConfig {
            url: "http://127.0.0.1:11434".into(),
            api: Api::Ollama,
            model: "nomic-embed-text".into(),
            dim: 768,
            api_key: None,
            timeout_ms: 30_000,
            max_retries: 3,
            batch_size: 64,
            retry_backoff_ms: 200,
        }
    }
}

/// An [`Embedder`] backed by an embedding server.
///
/// Requests are split into batches of `batch_size` texts. Connection failures, timeouts,
/// HTTP 429 and 5xx are retried up to `max_retries` times with exponential backoff;
/// other statuses, malformed JSON, a wrong number of vectors or a wrong dimension fail at
/// once with an `HTTP` error naming the URL and the problem. Only plain `http://` URLs
/// are supported by this build (no TLS stack is linked).
///
/// ```no_run
/// use lakehouse::embed::{Api, Embedder, HttpEmbedder, HttpEmbedderConfig};
/// let e = HttpEmbedder::new(HttpEmbedderConfig {
///     url: "http://127.0.0.1:11434".into(),
///     api: Api::Ollama,
///     model: "nomic-embed-text".into(),
///     dim: 768,
///     ..Default::default()
/// })?;
/// let v = e.embed(&["forklift operator in Chicago"])?;
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Clone)]
pub struct HttpEmbedder {
    config: HttpEmbedderConfig,
    endpoint: String,
    agent: ureq::Agent,
}

#[derive(Serialize)]
struct EmbedRequest<'a> {
    model: &'a str,
    input: &'a [&'a str],
}

#[derive(Deserialize)]
struct OpenAiResponse {
    data: Vec<OpenAiItem>,
}

#[derive(Deserialize)]
struct OpenAiItem {
    embedding: Vec<f32>,
    index: Option<usize>,
}

#[derive(Deserialize)]
struct OllamaResponse {
    embeddings: Vec<Vec<f32>>,
}

/// How one attempt ended when it did not succeed.
enum Failure {
    /// Worth another attempt (connection, timeout, 429, 5xx).
    Retryable(Error),
    /// Retrying cannot help.
    Fatal(Error),
}

impl HttpEmbedder {
    /// Validates `config` and prepares the HTTP agent (no request is sent).
    pub fn new(config: HttpEmbedderConfig) -> Result<Self> {
        let c = &config;
        if !c.url.starts_with("http://") {
            return Err(Error::InvalidConfig(format!(
                "embedding url {:?} must start with http:// (this build has no TLS)",
                c.url
            )));
        }
        if c.model.trim().is_empty() {
            return Err(Error::InvalidConfig("embedding model name is empty".into()));
        }
        for (name, v) in [("dim", c.dim), ("batch_size", c.batch_size)] {
            if v == 0 {
                return Err(Error::InvalidConfig(format!(
                    "http embedder {name} must be at least 1"
                )));
            }
        }
        if c.timeout_ms == 0 {
            return Err(Error::InvalidConfig(
                "http embedder timeout_ms must be at least 1".into(),
            ));
        }
        let path = c.api.path();
        let endpoint = if c.url.ends_with(path) {
            c.url.clone()
        } else {
            format!("{}{path}", c.url.trim_end_matches('/'))
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(c.timeout_ms)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(HttpEmbedder {
            config,
            endpoint,
            agent,
        })
    }

    /// The settings this embedder was built with.
    pub fn config(&self) -> &HttpEmbedderConfig {
        &self.config
    }

    /// The full URL requests are posted to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn http_error(&self, status: Option<u16>, reason: impl Into<String>) -> Error {
        Error::Http {
            url: self.endpoint.clone(),
            status,
            reason: reason.into(),
        }
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let attempts = self.config.max_retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (failure, retry_after) = match self.attempt(texts) {
                Ok(v) => return Ok(v),
                Err((f, ra)) => (f, ra),
            };
            let err = match failure {
                Failure::Fatal(e) => return Err(e),
                Failure::Retryable(e) => e,
            };
            if attempt >= attempts {
                return Err(with_attempts(err, attempt));
            }
            let shift = (attempt - 1).min(16);
            let backoff = self.config.retry_backoff_ms.saturating_mul(1 << shift);
            let wait = retry_after
                .map(|s| s.saturating_mul(1000).min(self.config.timeout_ms))
                .map_or(backoff, |ra| ra.max(backoff))
                .min(60_000);
            std::thread::sleep(Duration::from_millis(wait));
        }
    }

    /// One request. On failure also returns the server's `Retry-After` (seconds), if any.
    fn attempt(
        &self,
        texts: &[&str],
    ) -> std::result::Result<Vec<Vec<f32>>, (Failure, Option<u64>)> {
        let body = EmbedRequest {
            model: &self.config.model,
            input: texts,
        };
        let mut req = self.agent.post(&self.endpoint);
        if let Some(key) = &self.config.api_key {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        let mut resp = req
            .send_json(&body)
            .map_err(|e| (self.transport_failure(e), None))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after_secs(&resp);
        // Vectors are big: 64 texts × 3072 values as JSON text approach 4 MB.
        let text = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| (self.transport_failure(e), None))?;
        if !(200..300).contains(&status) {
            let reason = format!("server answered HTTP {status}: {}", snippet(&text));
            let err = self.http_error(Some(status), reason);
            let f = if status == 429 || status >= 500 {
                Failure::Retryable(err)
            } else {
                Failure::Fatal(err)
            };
            return Err((f, retry_after));
        }
        self.parse(&text, texts.len(), status)
            .map_err(|e| (Failure::Fatal(e), None))
    }

    fn transport_failure(&self, e: ureq::Error) -> Failure {
        match e {
            ureq::Error::Timeout(_) => Failure::Retryable(Error::Timeout {
                what: format!("embedding request to {}", self.endpoint),
                ms: self.config.timeout_ms,
            }),
            ureq::Error::Io(io) => {
                let reason = match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                    std::io::ErrorKind::ConnectionReset => "connection reset by server".to_string(),
                    _ => format!("I/O error: {io}"),
                };
                Failure::Retryable(self.http_error(None, reason))
            }
            ureq::Error::ConnectionFailed => {
                Failure::Retryable(self.http_error(None, "connection failed"))
            }
            ureq::Error::Protocol(p) => {
                Failure::Retryable(self.http_error(None, format!("malformed HTTP response: {p}")))
            }
            other => Failure::Fatal(self.http_error(None, other.to_string())),
        }
    }

    fn parse(&self, text: &str, expected: usize, status: u16) -> Result<Vec<Vec<f32>>> {
        let bad_json = |e: serde_json::Error| {
            self.http_error(
                Some(status),
                format!("response is not the expected JSON ({e}): {}", snippet(text)),
            )
        };
        let vectors = match self.config.api {
            Api::Ollama => {
                serde_json::from_str::<OllamaResponse>(text)
                    .map_err(bad_json)?
                    .embeddings
            }
            Api::OpenAi => {
                let mut data = serde_json::from_str::<OpenAiResponse>(text)
                    .map_err(bad_json)?
                    .data;
                // Servers may answer out of order; `index` says where each belongs.
                data.sort_by_key(|d| d.index.unwrap_or(usize::MAX));
                data.into_iter().map(|d| d.embedding).collect()
            }
        };
        if vectors.len() != expected {
            return Err(self.http_error(
                Some(status),
                format!(
                    "server returned {} vectors for {expected} texts",
                    vectors.len()
                ),
            ));
        }
        for v in &vectors {
            if v.len() != self.config.dim {
                return Err(self.http_error(
                    Some(status),
                    format!(
                        "model '{}' returned vectors of dimension {}, expected {}",
                        self.config.model,
                        v.len(),
                        self.config.dim
                    ),
                ));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(self.http_error(Some(status), "server returned a non-finite value"));
            }
        }
        Ok(vectors)
    }
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

impl Embedder for HttpEmbedder {
    fn dim(&self) -> usize {
        self.config.dim
    }

    fn model_id(&self) -> String {
        let api = match self.config.api {
            Api::OpenAi => "openai",
            Api::Ollama => "ollama",
        };
        format!("{api}/{}/{}", self.config.model, self.config.dim)
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.config.batch_size) {
            out.extend(self.embed_batch(chunk)?);
        }
        Ok(out)
    }
}
