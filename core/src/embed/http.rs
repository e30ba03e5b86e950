//! Embeddings from an HTTP server: OpenAI-compatible `/v1/embeddings` or Ollama `/api/embed`.

use serde::{Deserialize, Serialize};

use super::Embedder;
use crate::http::{snippet, Client, HttpOptions};
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
    /// Texts per request.
    pub batch_size: usize,
    /// Timeouts, retries, proxy and TLS roots (shared with the chat client).
    pub http: HttpOptions,
}

impl Default for HttpEmbedderConfig {
    fn default() -> Self {
        HttpEmbedderConfig {
            url: "http://127.0.0.1:11434".into(),
            api: Api::Ollama,
            model: "nomic-embed-text".into(),
            dim: 768,
            api_key: None,
            batch_size: 64,
            http: HttpOptions::default(),
        }
    }
}

/// An [`Embedder`] backed by an embedding server.
///
/// Requests are split into batches of `batch_size` texts. `http://` and `https://`
/// (rustls) URLs are served, through a proxy from the environment when one is set.
/// Connection failures, timeouts, HTTP 429 and 5xx are retried under the shared policy
/// of [`HttpOptions`]; other statuses, malformed JSON, a wrong number of vectors or a
/// wrong dimension fail at once with an `HTTP` error naming the URL and the problem.
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
    client: Client,
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

impl HttpEmbedder {
    /// Validates `config` and prepares the HTTP agent (no request is sent).
    pub fn new(config: HttpEmbedderConfig) -> Result<Self> {
        let c = &config;
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
        let path = c.api.path();
        let endpoint = if c.url.ends_with(path) {
            c.url.clone()
        } else {
            format!("{}{path}", c.url.trim_end_matches('/'))
        };
        let client = Client::new(endpoint, c.http.clone(), "embedding request")?;
        Ok(HttpEmbedder { config, client })
    }

    /// The settings this embedder was built with.
    pub fn config(&self) -> &HttpEmbedderConfig {
        &self.config
    }

    /// The full URL requests are posted to.
    pub fn endpoint(&self) -> &str {
        self.client.url()
    }

    fn http_error(&self, status: Option<u16>, reason: impl Into<String>) -> Error {
        Error::Http {
            url: self.endpoint().to_owned(),
            status,
            reason: reason.into(),
        }
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let body = EmbedRequest {
            model: &self.config.model,
            input: texts,
        };
        let headers: Vec<(&str, String)> = self
            .config
            .api_key
            .iter()
            .map(|key| ("Authorization", format!("Bearer {key}")))
            .collect();
        // Vectors are big: 64 texts × 3072 values as JSON text approach 4 MB.
        let text = self
            .client
            .post_json(&body, &headers, None, 256 * 1024 * 1024)?;
        self.parse(&text, texts.len(), 200)
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
