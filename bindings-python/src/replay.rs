//! Replay: re-run recorded cases through retrieve → bundle → chat → validate → log.

use std::path::PathBuf;
use std::sync::Arc;

use lakehouse::replay::{
    ChatModel, ChatParams, OpenAiChat, OpenAiChatConfig, ReplayCase, ReplayOptions, ReplayProgress,
    ReplayRunner, WorkerSearch,
};
use lakehouse::validate::ValidatorConfig;
use lakehouse::Worker;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::callbacks::{PyChat, PyControl, PySearch};
use crate::error::IntoPy;
use crate::json::{de, de_opt, kwargs_object, options, ser};
use crate::retrieve::PyRetriever;

/// Client for an OpenAI-compatible `/v1/chat/completions` server. Keyword arguments
/// are `OpenAiChatConfig` fields (`base_url`, `model`, `api_key`, timeouts, retries).
#[pyclass(name = "OpenAiChat", module = "lakehouse._lakehouse", frozen)]
pub struct PyOpenAiChat {
    inner: OpenAiChat,
}

#[pymethods]
impl PyOpenAiChat {
    #[new]
    #[pyo3(signature = (**config))]
    fn new(config: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let cfg: OpenAiChatConfig = options(kwargs_object(None, config)?)?;
        Ok(PyOpenAiChat {
            inner: OpenAiChat::new(cfg).py()?,
        })
    }

    /// The endpoint URL.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }

    /// One completion: `messages` as `[{"role", "content"}]`, keyword arguments are
    /// `ChatParams` fields. Returns `{"content", "model", "prompt_tokens",
    /// "completion_tokens"}` (releases the GIL).
    #[pyo3(signature = (messages, **params))]
    fn complete<'py>(
        &self,
        py: Python<'py>,
        messages: &Bound<'py, PyAny>,
        params: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let msgs: Vec<lakehouse::replay::ChatMessage> = de(messages, "messages")?;
        let p: ChatParams = options(kwargs_object(None, params)?)?;
        let c = py.detach(|| self.inner.complete(&msgs, &p)).py()?;
        ser(py, &c)
    }
}

fn chat_from(obj: &Bound<'_, PyAny>) -> PyResult<Arc<dyn ChatModel>> {
    if let Ok(c) = obj.cast::<PyOpenAiChat>() {
        return Ok(Arc::new(c.get().inner.clone()));
    }
    if obj.is_callable() {
        let name = obj
            .getattr("__name__")
            .and_then(|n| n.extract::<String>())
            .unwrap_or_else(|_| "python".into());
        return Ok(Arc::new(PyChat::new(obj.clone().unbind(), name)));
    }
    Err(crate::error::invalid(
        obj.py(),
        "chat must be an OpenAiChat or a callable (messages, params) -> str | dict",
    ))
}

fn search_from(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Arc<dyn WorkerSearch>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(r) = obj.cast::<PyRetriever>() {
        return Ok(Some(Arc::new(r.get().inner.clone())));
    }
    if obj.is_callable() {
        return Ok(Some(Arc::new(PySearch::new(obj.clone().unbind()))));
    }
    Err(crate::error::invalid(
        obj.py(),
        "search must be a Retriever or a callable (query, k) -> list[str]",
    ))
}

/// Replays cases with a chat model (an `OpenAiChat` or a Python callable `(messages,
/// params) -> str | dict`), a worker search (a `Retriever` or a callable `(query, k) ->
/// list[str]`), a roster of worker dicts and a `ValidatorConfig` dict. Keyword
/// arguments are `ReplayOptions` fields (`concurrency`, `k`, `dry_run`, …).
#[pyclass(name = "ReplayRunner", module = "lakehouse._lakehouse", frozen)]
pub struct PyReplayRunner {
    inner: ReplayRunner,
}

#[pymethods]
impl PyReplayRunner {
    #[new]
    #[pyo3(signature = (kb_dir, chat, search = None, workers = None, validator = None, **options))]
    fn new(
        kb_dir: PathBuf,
        chat: &Bound<'_, PyAny>,
        search: Option<&Bound<'_, PyAny>>,
        workers: Option<&Bound<'_, PyAny>>,
        validator: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let opts: ReplayOptions = crate::json::options(kwargs_object(None, options)?)?;
        let vcfg: ValidatorConfig = crate::json::options(kwargs_object(validator, None)?)?;
        let workers: Vec<Worker> = de_opt(workers, "workers")?.unwrap_or_default();
        let mut builder = ReplayRunner::builder(kb_dir, chat_from(chat)?)
            .workers(workers)
            .validator(vcfg)
            .options(opts);
        if let Some(s) = search_from(search)? {
            builder = builder.search(s);
        }
        let inner = builder.build().py()?;
        Ok(PyReplayRunner { inner })
    }

    /// The options in use (`ReplayOptions` shape).
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, self.inner.options())
    }

    /// The `replay_run.v1` log this runner appends to.
    #[getter]
    fn log_path(&self) -> PyResult<PathBuf> {
        self.inner.log_path().py()
    }

    /// Replays `cases` (dicts in the `ReplayCase` shape) and returns `{"report",
    /// "runs"}`. `progress(p)` gets `{"run_id", "done", "total"}` after each case;
    /// returning False cancels the cases not yet started (CancelledError). Ctrl-C does
    /// the same and raises KeyboardInterrupt.
    #[pyo3(signature = (cases, progress = None))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        cases: &Bound<'py, PyAny>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cases: Vec<ReplayCase> = de(cases, "replay cases")?;
        let control = PyControl::<ReplayProgress>::new(progress);
        let outcome = control.run(py, |c| self.inner.run_with(cases, c))?;
        ser(py, &outcome)
    }
}

/// Replay cases from a JSONL file, as dicts.
#[pyfunction]
pub fn load_cases_jsonl<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyList>> {
    let cases = py
        .detach(|| lakehouse::replay::load_cases_jsonl(&path))
        .py()?;
    let list = PyList::empty(py);
    for c in &cases {
        list.append(ser(py, c)?)?;
    }
    Ok(list)
}
