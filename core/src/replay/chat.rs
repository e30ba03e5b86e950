//! The chat stage: the [`ChatModel`] seam and the built-in OpenAI-compatible client.
//!
//! [`OpenAiChat`] speaks `POST {base}/v1/chat/completions`, which OpenAI, Ollama, vLLM
//! and llama.cpp's server all serve, over `http://` or `https://` (rustls), through a
//! proxy from the environment when one is set. It is blocking (ureq), keeps one
//! connection pool per client and shares its timeouts and retry policy with the
//! embedding client ([`HttpOptions`]): connection failures, timeouts, 429 and 5xx are
//! retried a bounded number of times with exponential backoff (a `Retry-After` longer
//! than `backoff_max_ms` fails the call at once), and everything else maps to a clear
//! [`Error::Http`] or [`Error::Timeout`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::tokens::estimate_tokens;
use crate::error::{Error, Result};
use crate::http::{snippet, Client, HttpOptions};

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// Instructions that frame the conversation.
    System,
    /// The request.
    User,
    /// A previous model answer.
    Assistant,
}

/// One message of a chat conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Author of the message.
    pub role: ChatRole,
    /// Plain-text content.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: ChatRole::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: ChatRole::User,
            content: content.into(),
        }
    }
}

/// Per-call generation parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatParams {
    /// Sampling temperature; replay uses 0 so runs are comparable.
    pub temperature: Option<f32>,
    /// Cap on generated tokens.
    pub max_tokens: Option<u32>,
    /// Ask the server for a JSON object (`response_format: {"type":"json_object"}`).
    pub json_mode: bool,
    /// Deadline for the whole call including retries, in milliseconds.
    pub timeout_ms: Option<u64>,
}

impl Default for ChatParams {
    fn default() -> Self {
        ChatParams {
            temperature: Some(0.0),
            max_tokens: None,
            json_mode: false,
            timeout_ms: None,
        }
    }
}

/// A model answer with its token accounting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// The generated text.
    pub content: String,
    /// The model that answered, as the server names it.
    pub model: String,
    /// Prompt tokens as reported by the server (estimated when it reports none).
    pub prompt_tokens: u64,
    /// Generated tokens as reported by the server (estimated when it reports none).
    pub completion_tokens: u64,
}

/// Anything that can answer a chat conversation: the built-in HTTP client, a test
/// double, or (through the bindings) a Python callable or a JS function.
///
/// Implementations must be callable from several threads at once.
///
/// ```
/// use lakehouse::replay::{ChatMessage, ChatModel, ChatParams, Completion};
///
/// struct Echo;
/// impl ChatModel for Echo {
///     fn complete(&self, messages: &[ChatMessage], _p: &ChatParams) -> lakehouse::Result<Completion> {
///         let last = messages.last().map(|m| m.content.clone()).unwrap_or_default();
///         Ok(Completion { content: last, model: "echo".into(), prompt_tokens: 1, completion_tokens: 1 })
///     }
/// }
/// let c = Echo.complete(&[ChatMessage::user("hi")], &ChatParams::default()).unwrap();
/// assert_eq!(c.content, "hi");
/// ```
pub trait ChatModel: Send + Sync {
    /// Answers `messages`; errors are [`Error::Http`], [`Error::Timeout`] or
    /// [`Error::Callback`] for user-supplied models.
    fn complete(&self, messages: &[ChatMessage], params: &ChatParams) -> Result<Completion>;

    /// The model this client asks for, logged when no answer names one. Default: empty.
    fn model_name(&self) -> String {
        String::new()
    }
}

/// Configuration of [`OpenAiChat`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenAiChatConfig {
    /// Server root, e.g. `http://127.0.0.1:11434` (a trailing `/v1` is accepted).
    pub base_url: String,
    /// Model name sent in every request.
    pub model: String,
    /// Bearer token; when `None` the client reads `LAKEHOUSE_CHAT_API_KEY`, then
    /// `OPENAI_API_KEY` from the environment at construction.
    pub api_key: Option<String>,
    /// Timeouts, retries, proxy and TLS roots (shared with the embedding client);
    /// the default allows a model two minutes per attempt.
    pub http: HttpOptions,
}

impl Default for OpenAiChatConfig {
    fn default() -> Self {
        OpenAiChatConfig {
            base_url: "http://127.0.0.1:11434".into(),
            model: "llama3.1".into(),
            api_key: None,
            http: HttpOptions {
                timeout_ms: 120_000,
                backoff_base_ms: 250,
                ..HttpOptions::default()
            },
        }
    }
}

/// Client for OpenAI-compatible `POST /v1/chat/completions`. Cheap to clone; clones
/// share the connection pool.
///
/// ```no_run
/// use lakehouse::replay::{ChatMessage, ChatModel, ChatParams, OpenAiChat, OpenAiChatConfig};
///
/// let chat = OpenAiChat::new(OpenAiChatConfig {
///     base_url: "http://127.0.0.1:11434".into(),
///     model: "llama3.1".into(),
///     ..Default::default()
/// })?;
/// let reply = chat.complete(&[ChatMessage::user("Say hi")], &ChatParams::default())?;
/// println!("{} ({} tokens)", reply.content, reply.completion_tokens);
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Clone)]
pub struct OpenAiChat {
    config: OpenAiChatConfig,
    api_key: Option<String>,
    client: Client,
}

impl std::fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("OpenAiChat")
            .field("url", &self.client.url())
            .field("model", &self.config.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl OpenAiChat {
    /// Builds a client; fails with [`Error::InvalidConfig`] on a URL that is not
    /// `http://` or `https://`, an empty model or invalid [`HttpOptions`].
    pub fn new(config: OpenAiChatConfig) -> Result<Self> {
        let base = config.base_url.trim().trim_end_matches('/');
        if config.model.trim().is_empty() {
            return Err(Error::InvalidConfig("chat model must not be empty".into()));
        }
        let base = base.strip_suffix("/v1").unwrap_or(base);
        let url = format!("{base}/v1/chat/completions");
        let api_key = config
            .api_key
            .clone()
            .or_else(|| std::env::var("LAKEHOUSE_CHAT_API_KEY").ok())
            .or_else(|| std::env::var("OPENAI_API_KEY").ok())
            .filter(|k| !k.trim().is_empty());
        let client = Client::new(url, config.http.clone(), "chat request")?;
        Ok(OpenAiChat {
            config,
            api_key,
            client,
        })
    }

    /// The full endpoint URL this client posts to.
    pub fn url(&self) -> &str {
        self.client.url()
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &OpenAiChatConfig {
        &self.config
    }

    fn request_body(&self, messages: &[ChatMessage], params: &ChatParams) -> serde_json::Value {
        let mut body = serde_json::json!({
            "model": self.config.model,
            "messages": messages,
            "stream": false,
        });
        if let Some(t) = params.temperature {
            body["temperature"] = serde_json::json!(t);
        }
        if let Some(m) = params.max_tokens {
            body["max_tokens"] = serde_json::json!(m);
        }
        if params.json_mode {
            body["response_format"] = serde_json::json!({ "type": "json_object" });
        }
        body
    }

    fn http_err(&self, status: Option<u16>, reason: impl Into<String>) -> Error {
        Error::Http {
            url: self.url().to_owned(),
            status,
            reason: reason.into(),
        }
    }

    fn parse(&self, text: &str, messages: &[ChatMessage]) -> Result<Completion> {
        let wire: WireResponse = serde_json::from_str(text).map_err(|e| {
            self.http_err(
                Some(200),
                format!("answer is not a chat completion ({e}): {}", snippet(text)),
            )
        })?;
        let choice = wire.choices.into_iter().next().ok_or_else(|| {
            self.http_err(
                Some(200),
                format!("answer has no choices: {}", snippet(text)),
            )
        })?;
        let content = choice.message.content.ok_or_else(|| {
            self.http_err(Some(200), "first choice has no message content".to_string())
        })?;
        let prompt_estimate: u64 = messages.iter().map(|m| estimate_tokens(&m.content)).sum();
        let usage = wire.usage.unwrap_or_default();
        Ok(Completion {
            completion_tokens: usage
                .completion_tokens
                .unwrap_or_else(|| estimate_tokens(&content)),
            prompt_tokens: usage.prompt_tokens.unwrap_or(prompt_estimate),
            model: wire.model.unwrap_or_else(|| self.config.model.clone()),
            content,
        })
    }
}

impl ChatModel for OpenAiChat {
    fn model_name(&self) -> String {
        self.config.model.clone()
    }

    fn complete(&self, messages: &[ChatMessage], params: &ChatParams) -> Result<Completion> {
        if messages.is_empty() {
            return Err(Error::invalid("chat needs at least one message"));
        }
        let body = self.request_body(messages, params);
        let mut headers = vec![("Accept", "application/json".to_owned())];
        if let Some(key) = &self.api_key {
            headers.push(("Authorization", format!("Bearer {key}")));
        }
        let deadline = params.timeout_ms.map(Duration::from_millis);
        let text = self
            .client
            .post_json(&body, &headers, deadline, 64 * 1024 * 1024)?;
        self.parse(&text, messages)
    }
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> OpenAiChat {
        OpenAiChat::new(OpenAiChatConfig {
            base_url: "http://127.0.0.1:9/v1/".into(),
            api_key: Some("k".into()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn base_url_is_normalised() {
        assert_eq!(client().url(), "http://127.0.0.1:9/v1/chat/completions");
    }

    #[test]
    fn bad_config_is_rejected() {
        let bad = OpenAiChatConfig {
            base_url: "localhost:1".into(),
            ..Default::default()
        };
        assert_eq!(OpenAiChat::new(bad).unwrap_err().code(), "INVALID_CONFIG");
        let bad = OpenAiChatConfig {
            model: " ".into(),
            ..Default::default()
        };
        assert_eq!(OpenAiChat::new(bad).unwrap_err().code(), "INVALID_CONFIG");
    }

    #[test]
    fn parses_usage_and_falls_back_to_estimates() {
        let c = client();
        let msgs = [ChatMessage::user("12345678")];
        let full = r#"{"model":"m1","choices":[{"message":{"role":"assistant","content":"hi"}}],
            "usage":{"prompt_tokens":7,"completion_tokens":3}}"#;
        let got = c.parse(full, &msgs).unwrap();
        assert_eq!(
            (got.model.as_str(), got.prompt_tokens, got.completion_tokens),
            ("m1", 7, 3)
        );
        let bare = r#"{"choices":[{"message":{"content":"abcdefgh"}}]}"#;
        let got = c.parse(bare, &msgs).unwrap();
        assert_eq!(
            (got.model.as_str(), got.prompt_tokens, got.completion_tokens),
            ("llama3.1", 2, 2)
        );
    }

    #[test]
    fn garbage_answers_are_http_errors() {
        let c = client();
        for body in [
            "not json",
            r#"{"choices":[]}"#,
            r#"{"choices":[{"message":{"content":null}}]}"#,
        ] {
            let e = c.parse(body, &[]).unwrap_err();
            assert_eq!(e.code(), "HTTP", "{body}: {e}");
        }
    }

    #[test]
    fn request_body_carries_params() {
        let c = client();
        let p = ChatParams {
            max_tokens: Some(50),
            json_mode: true,
            ..Default::default()
        };
        let b = c.request_body(&[ChatMessage::system("s")], &p);
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["max_tokens"], 50);
        assert_eq!(b["response_format"]["type"], "json_object");
        assert_eq!(b["temperature"], 0.0);
    }
}
