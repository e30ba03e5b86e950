//! User code plugged into the core's traits (embedder, transform, chat model, worker
//! search), and the runner that keeps Ctrl-C working during long calls.
//!
//! The core calls these adapters from its own threads with the GIL released; each call
//! takes the GIL (`Python::attach`) for exactly the Python part, so no call can deadlock
//! on it. A Python exception becomes `Error::Callback` carrying the exception, which the
//! binding raises again as `CallbackError` with the original as `__cause__`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lakehouse::{CancelToken, Control};
use serde::Serialize;

use lakehouse::embed::Embedder;
use lakehouse::materialize::{Evidence, Transform};
use lakehouse::replay::{ChatMessage, ChatModel, ChatParams, Completion, WorkerSearch};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::error::callback_error;
use crate::json::{de, ser};
use crate::vectors::matrix;

/// Any Python object with `dim`, `model_id` and `embed(texts) -> array (n, dim)`.
pub struct PyEmbedder {
    obj: Py<PyAny>,
    dim: usize,
    model_id: String,
}

impl PyEmbedder {
    /// Wraps `obj`, reading `dim` and `model_id` once.
    pub fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        for attr in ["dim", "model_id", "embed"] {
            if !obj.hasattr(attr)? {
                return Err(crate::error::invalid(
                    py,
                    format!(
                        "an embedder needs `dim`, `model_id` and `embed(texts)`; {} has no `{attr}`",
                        obj.get_type().name()?
                    ),
                ));
            }
        }
        let dim = attr_value(obj, "dim")?.extract::<usize>()?;
        let model_id = attr_value(obj, "model_id")?.str()?.to_str()?.to_owned();
        Ok(PyEmbedder {
            obj: obj.clone().unbind(),
            dim,
            model_id,
        })
    }
}

/// `obj.name`, called when it is a method.
fn attr_value<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let v = obj.getattr(name)?;
    if v.is_callable() {
        v.call0()
    } else {
        Ok(v)
    }
}

impl Embedder for PyEmbedder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn embed(&self, texts: &[&str]) -> lakehouse::Result<Vec<Vec<f32>>> {
        Python::attach(|py| {
            let out = self
                .obj
                .bind(py)
                .call_method1("embed", (texts.to_vec(),))
                .and_then(|out| matrix(&out, 0, "embedder output"));
            out.map_err(|e| callback_error(&format!("embedder '{}'", self.model_id), e))
        })
    }
}

/// A Python callable `line -> dict` (the serde shape of `Evidence`) as a transform.
pub struct PyTransform {
    name: String,
    stream: String,
    func: Py<PyAny>,
}

impl PyTransform {
    /// A transform named `name` reading `stream` (default: the name).
    pub fn new(name: String, stream: Option<String>, func: Py<PyAny>) -> Self {
        let stream = stream.unwrap_or_else(|| name.clone());
        PyTransform { name, stream, func }
    }
}

impl Transform for PyTransform {
    fn name(&self) -> &str {
        &self.name
    }

    fn stream(&self) -> &str {
        &self.stream
    }

    fn apply(&self, line: &str) -> lakehouse::Result<Evidence> {
        Python::attach(|py| {
            let out = self.func.bind(py).call1((PyString::new(py, line),));
            match out {
                Ok(v) => de::<Evidence>(&v, "evidence").map_err(|e| {
                    callback_error(
                        &format!("transform '{}' returned bad evidence:", self.name),
                        e,
                    )
                }),
                Err(e) => Err(callback_error(&format!("transform '{}'", self.name), e)),
            }
        })
    }
}

/// A Python callable `(messages, params) -> str | dict` as a chat model. A dict is a
/// `Completion` (`content` required; `model`, `prompt_tokens`, `completion_tokens`
/// optional).
pub struct PyChat {
    func: Py<PyAny>,
    name: String,
}

impl PyChat {
    /// Wraps `func`; `name` is logged when an answer names no model.
    pub fn new(func: Py<PyAny>, name: String) -> Self {
        PyChat { func, name }
    }
}

#[derive(serde::Deserialize)]
struct Answer {
    content: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

impl ChatModel for PyChat {
    fn complete(
        &self,
        messages: &[ChatMessage],
        params: &ChatParams,
    ) -> lakehouse::Result<Completion> {
        Python::attach(|py| {
            let call = || -> PyResult<Answer> {
                let out = self
                    .func
                    .bind(py)
                    .call1((ser(py, &messages)?, ser(py, params)?))?;
                if let Ok(s) = out.cast::<PyString>() {
                    return Ok(Answer {
                        content: s.to_str()?.to_owned(),
                        model: None,
                        prompt_tokens: None,
                        completion_tokens: None,
                    });
                }
                de::<Answer>(&out, "chat answer (a str or a dict with 'content')")
            };
            let a =
                call().map_err(|e| callback_error(&format!("chat model '{}'", self.name), e))?;
            let words = |s: &str| s.split_whitespace().count() as u64;
            Ok(Completion {
                prompt_tokens: a
                    .prompt_tokens
                    .unwrap_or_else(|| messages.iter().map(|m| words(&m.content)).sum()),
                completion_tokens: a.completion_tokens.unwrap_or_else(|| words(&a.content)),
                model: a.model.unwrap_or_else(|| self.name.clone()),
                content: a.content,
            })
        })
    }

    fn model_name(&self) -> String {
        self.name.clone()
    }
}

/// A Python callable `(query, k) -> list[str]` as the replay's worker search.
pub struct PySearch {
    func: Py<PyAny>,
}

impl PySearch {
    /// Wraps `func`.
    pub fn new(func: Py<PyAny>) -> Self {
        PySearch { func }
    }
}

impl WorkerSearch for PySearch {
    fn search(&self, query: &str, k: usize) -> lakehouse::Result<Vec<String>> {
        Python::attach(|py| {
            self.func
                .bind(py)
                .call1((query, k))
                .and_then(|v| v.extract::<Vec<String>>())
                .map_err(|e| callback_error("worker search", e))
        })
    }
}

/// Runs `work` on a helper thread with the GIL released, while this thread watches for
/// signals: on Ctrl-C (any pending signal whose handler raises) `cancel` is set, the
/// work is awaited (it stops at its next check and leaves committed state consistent)
/// and the handler's exception (`KeyboardInterrupt`) is raised.
pub fn interruptible<T: Send>(
    py: Python<'_>,
    cancel: &lakehouse::CancelToken,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    std::thread::scope(|s| {
        let waiter = std::thread::current();
        let handle = s.spawn(move || {
            let out = work();
            waiter.unpark();
            out
        });
        let mut interrupted: Option<PyErr> = None;
        loop {
            py.detach(|| std::thread::park_timeout(Duration::from_millis(20)));
            if handle.is_finished() {
                break;
            }
            if interrupted.is_none() {
                if let Err(e) = py.check_signals() {
                    cancel.cancel();
                    interrupted = Some(e);
                }
            }
        }
        let out = py.detach(|| handle.join());
        match (interrupted, out) {
            (Some(e), _) => Err(e),
            (None, Ok(v)) => Ok(v),
            (None, Err(_)) => Err(crate::error::raise(
                py,
                "INTERNAL",
                "a lakehouse call panicked",
                &serde_json::json!({}),
            )),
        }
    })
}

/// A core `Control` driven from Python: `progress(p)` gets each progress record as its
/// dict (with the GIL held); returning exactly `False` cancels the call, and an
/// exception in it is kept (and cancels) so it can be raised as `CallbackError` with
/// the exception as `__cause__`.
pub struct PyControl<P> {
    /// What the core call watches.
    pub control: Control<P>,
    failed: Arc<Mutex<Option<PyErr>>>,
}

impl<P: Serialize + 'static> PyControl<P> {
    /// A control around the optional Python callback.
    pub fn new(progress: Option<Py<PyAny>>) -> Self {
        let token = CancelToken::new();
        let failed: Arc<Mutex<Option<PyErr>>> = Arc::new(Mutex::new(None));
        let mut control = Control::new().with_cancel(token.clone());
        if let Some(cb) = progress {
            let failed = failed.clone();
            control = control.on_progress(move |p: &P| {
                Python::attach(
                    |py| match ser(py, p).and_then(|d| cb.bind(py).call1((d,))) {
                        Ok(v) => {
                            if matches!(v.extract::<bool>(), Ok(false)) {
                                token.cancel();
                            }
                        }
                        Err(e) => {
                            if let Ok(mut slot) = failed.lock() {
                                slot.get_or_insert(e);
                            }
                            token.cancel();
                        }
                    },
                )
            });
        }
        PyControl { control, failed }
    }

    /// Runs `work` with Ctrl-C handling (see [`interruptible`]) and converts its result:
    /// a progress callback's exception wins over the core's `CANCELLED`.
    pub fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&Control<P>) -> lakehouse::Result<T> + Send,
    ) -> PyResult<T>
    where
        P: Send,
    {
        let control = &self.control;
        let result = interruptible(py, control.token(), || work(control))?;
        if let Some(e) = self.failed.lock().ok().and_then(|mut s| s.take()) {
            return Err(crate::error::err(callback_error("progress callback", e)));
        }
        result.map_err(|e| crate::error::to_pyerr(py, &e))
    }
}
