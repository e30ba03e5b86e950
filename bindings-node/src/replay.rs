//! Replay: re-run recorded cases through retrieval, a chat model and the validators.
//! The chat model is the OpenAI-compatible client or a JS (async) function.

use std::sync::Arc;

use lakehouse::replay::{
    estimate_tokens, parse_cases_jsonl, ChatMessage, ChatModel, ChatParams, Completion, OpenAiChat,
    OpenAiChatConfig, ReplayCase, ReplayOptions, ReplayProgress, ReplayRunner, WorkerSearch,
};
use lakehouse::validate::ValidatorConfig;
use lakehouse::{Error, Worker};
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;
use serde::Deserialize;

use crate::callbacks::{JsFn, Watch};
use crate::error::OrThrow;
use crate::js::{Js, Kind, Raw};
use crate::json;
use crate::retrieve::retriever_arg;
use crate::spawn::{self, RawValue};

/// What a JS chat function may answer besides a plain string.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FnAnswer {
    content: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

/// A JS function `(messages, params) => string | Completion` (or a Promise of one).
struct FnChat {
    model: String,
    f: JsFn,
}

impl ChatModel for FnChat {
    fn complete(
        &self,
        messages: &[ChatMessage],
        params: &ChatParams,
    ) -> lakehouse::Result<Completion> {
        let msgs = messages.to_vec();
        let params = params.clone();
        let prompt_tokens: u64 = messages.iter().map(|m| estimate_tokens(&m.content)).sum();
        let what = self.f.what().to_owned();
        let model = self.model.clone();
        self.f.call(
            move |js| Ok(vec![json::ser(js, &msgs)?, json::ser(js, &params)?]),
            move |js, v| {
                let bad = |m: String| Error::callback(format!("{what} returned {m}"));
                let kind = js.kind(v).map_err(|e| bad(e.reason))?;
                let answer = if kind == Kind::String {
                    FnAnswer {
                        content: js.get_str(v).map_err(|e| bad(e.reason))?,
                        model: None,
                        prompt_tokens: None,
                        completion_tokens: None,
                    }
                } else {
                    json::parse::<FnAnswer>(js, v, "the completion").map_err(|e| {
                        bad(format!("{e} (expected a string or {{content, model?, prompt_tokens?, completion_tokens?}})"))
                    })?
                };
                Ok(Completion {
                    completion_tokens: answer
                        .completion_tokens
                        .unwrap_or_else(|| estimate_tokens(&answer.content)),
                    content: answer.content,
                    model: answer.model.unwrap_or(model),
                    prompt_tokens: answer.prompt_tokens.unwrap_or(prompt_tokens),
                })
            },
        )
    }

    fn model_name(&self) -> String {
        self.model.clone()
    }
}

/// A chat model for replay.
#[napi(js_name = "ChatModel")]
pub struct JsChatModel {
    inner: Arc<dyn ChatModel>,
}

#[napi]
impl JsChatModel {
    /// A client of an OpenAI-compatible `/v1/chat/completions` server.
    #[napi(factory, ts_args_type = "config?: OpenAiChatConfig | null")]
    pub fn openai(env: Env, config: Option<Unknown>) -> napi::Result<Self> {
        let js = Js::new(&env);
        json::options::<OpenAiChatConfig>(js, json::opt(&config), "config")
            .and_then(OpenAiChat::new)
            .map(|c| JsChatModel { inner: Arc::new(c) })
            .or_throw(js)
    }

    /// A JS function as the model: `complete(messages, params)` returns or resolves to
    /// the reply text, or to `{content, model?, prompt_tokens?, completion_tokens?}`
    /// (token counts are estimated when missing).
    #[napi(
        factory,
        js_name = "fromFunction",
        ts_args_type = "complete: (messages: ChatMessage[], params: ChatParams) => string | ChatAnswer | Promise<string | ChatAnswer>, model?: string | null"
    )]
    pub fn from_function(
        env: Env,
        complete: Unknown,
        model: Option<Unknown>,
    ) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let model = match json::opt(&model) {
                Some(m) if !json::is_nullish(js, m).unwrap_or(true) => {
                    json::string(js, m, "model")?
                }
                _ => "js-function".to_owned(),
            };
            let f = JsFn::new(js, complete.raw(), &format!("chat model '{model}'"))?;
            Ok(JsChatModel {
                inner: Arc::new(FnChat { model, f }),
            })
        })()
        .or_throw(js)
    }

    /// The model name this client asks for.
    #[napi(getter)]
    pub fn model(&self) -> String {
        self.inner.model_name()
    }

    /// Answers a conversation.
    #[napi(
        ts_args_type = "messages: ChatMessage[], params?: ChatParams | null",
        ts_return_type = "Promise<Completion>"
    )]
    pub fn complete(
        &self,
        env: Env,
        messages: Unknown,
        params: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            Ok((
                json::parse::<Vec<ChatMessage>>(js, messages.raw(), "messages")?,
                json::options::<ChatParams>(js, json::opt(&params), "params")?,
            ))
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(m, p)| inner.complete(&m, &p),
            |js, c| json::ser(js, &c),
        )
    }
}

/// Re-runs replay cases and logs one `replay_run.v1` line per case.
#[napi(js_name = "ReplayRunner")]
pub struct JsReplayRunner {
    inner: ReplayRunner,
}

fn chat_arg(js: Js, v: Raw) -> Result<Arc<dyn ChatModel>, Error> {
    crate::store::class_arg::<JsChatModel>(js, v, "setup.chat", "ChatModel")
        .map(|c| c.inner.clone())
}

#[napi]
impl JsReplayRunner {
    /// A runner logging to `<kbDir>/replay_runs.jsonl`. `setup.chat` is required;
    /// `search` (a `Retriever`), `workers`, `validator` and `options` are optional.
    #[napi(
        constructor,
        ts_args_type = "kbDir: string, setup: { chat: ChatModel; search?: Retriever | null; workers?: Worker[]; validator?: ValidatorConfig | null; options?: ReplayOptions | null }"
    )]
    pub fn new(env: Env, kb_dir: Unknown, setup: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let kb = json::string(js, kb_dir.raw(), "kbDir")?;
            let s = json::options_object(js, Some(setup.raw()), "setup")?.ok_or_else(|| {
                Error::invalid(
                    "setup must be an object { chat, search?, workers?, validator?, options? }",
                )
            })?;
            let chat = match json::field(js, s, "chat", "setup")? {
                Some(c) => chat_arg(js, c)?,
                None => return Err(Error::invalid("setup.chat is required (a ChatModel)")),
            };
            let search: Option<Arc<dyn WorkerSearch>> = match json::field(js, s, "search", "setup")?
            {
                Some(r) => Some(Arc::new(retriever_arg(js, r, "setup.search")?)),
                None => None,
            };
            let workers: Vec<Worker> = json::parse_or_default(
                js,
                json::field(js, s, "workers", "setup")?,
                "setup.workers",
            )?;
            let validator: ValidatorConfig = json::options(
                js,
                json::field(js, s, "validator", "setup")?,
                "setup.validator",
            )?;
            let options: ReplayOptions =
                json::options(js, json::field(js, s, "options", "setup")?, "setup.options")?;
            let mut builder = ReplayRunner::builder(kb, chat)
                .workers(workers)
                .validator(validator)
                .options(options);
            if let Some(search) = search {
                builder = builder.search(search);
            }
            builder.build()
        })()
        .map(|inner| JsReplayRunner { inner })
        .or_throw(js)
    }

    /// The runner's options.
    #[napi(ts_return_type = "ReplayOptions")]
    pub fn options(&self, env: Env) -> napi::Result<RawValue> {
        json::ser(Js::new(&env), self.inner.options()).map(RawValue::new)
    }

    /// Runs `cases`; resolves to the report and one run record per case. `onProgress`
    /// gets a `ReplayProgress` after each case; `signal` skips the cases not started.
    #[napi(
        ts_args_type = "cases: ReplayCase[], control?: CallControl<ReplayProgress> | null",
        ts_return_type = "Promise<ReplayOutcome>"
    )]
    pub fn run(
        &self,
        env: Env,
        cases: Unknown,
        control: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            let cases = json::parse::<Vec<ReplayCase>>(js, cases.raw(), "cases")?;
            Ok((cases, Watch::read(js, json::opt(&control), "replay run")?))
        })();
        let inner = self.inner.clone();
        spawn::run_watched(
            &env,
            args,
            move |cases, watch| inner.run_with(cases, &watch.control::<ReplayProgress>()),
            |js, outcome| json::ser(js, &outcome),
        )
    }
}

/// Parses replay cases from JSONL text.
#[napi(
    js_name = "parseCasesJsonl",
    ts_args_type = "text: string",
    ts_return_type = "ReplayCase[]"
)]
pub fn parse_cases_jsonl_js(env: Env, text: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let cases = json::string(js, text.raw(), "text")
        .and_then(|t| parse_cases_jsonl(&t))
        .or_throw(js)?;
    json::ser(js, &cases).map(RawValue::new)
}
