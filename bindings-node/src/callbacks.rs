//! Calling user JS functions from addon threads, and watching an `AbortSignal`.
//!
//! A [`JsFn`] holds a weak threadsafe function: it never keeps the process alive by
//! itself (a pending Promise does, while a call runs). A call made from a worker thread
//! is queued to the JS thread, where the function runs; when it returns a Promise, the
//! worker keeps waiting until it settles. What comes back is converted by hand, so a
//! wrong type is a `CALLBACK` error, never a process abort; what JS throws or rejects
//! with becomes that error's `.cause`.
//!
//! Only Promise-returning methods (running on addon threads) may reach a `JsFn`: a
//! sync method waiting for the JS thread would wait for itself.

use std::sync::mpsc;
use std::sync::Arc;

use lakehouse::{CancelToken, Error};
use napi::bindgen_prelude::{FromNapiValue, Function, JsValuesTupleIntoVec};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Status, Unknown};
use parking_lot::Mutex;

use crate::error;
use crate::js::{Js, JsRef, Kind, Raw};

/// Arguments built on the JS thread.
pub struct RawArgs(Vec<Raw>);

impl JsValuesTupleIntoVec for RawArgs {
    fn into_vec(self, _env: sys::napi_env) -> napi::Result<Vec<sys::napi_value>> {
        Ok(self.0)
    }
}

type MakeArgs = Box<dyn FnOnce(Js) -> Vec<Raw> + Send>;
type Tsfn = ThreadsafeFunction<MakeArgs, Unknown<'static>, RawArgs, Status, false, true>;

/// A user JS function callable from any thread.
#[derive(Clone)]
pub struct JsFn {
    what: Arc<str>,
    tsfn: Arc<Tsfn>,
}

/// Where the answer of one call goes, taken once by whichever path settles it.
type Slot<R> = Arc<Mutex<Option<(mpsc::Sender<Result<R, Error>>, Convert<R>)>>>;
type Convert<R> = Box<dyn FnOnce(Js, Raw) -> Result<R, Error> + Send>;

fn deliver<R>(slot: &Slot<R>, js: Js, outcome: Result<Raw, Error>) {
    if let Some((tx, convert)) = slot.lock().take() {
        let _ = tx.send(outcome.and_then(|v| convert(js, v)));
    }
}

impl JsFn {
    /// Wraps `f`, which must be a function; `what` names it in errors
    /// (`"embedder 'my-model'"`).
    pub fn new(js: Js, f: Raw, what: &str) -> Result<JsFn, Error> {
        let kind = js.kind(f).map_err(|e| error::napi_failure(what, e))?;
        if kind != Kind::Function {
            return Err(Error::invalid(format!(
                "{what} must be a function, got {}",
                kind.name()
            )));
        }
        let build = || -> napi::Result<Tsfn> {
            // SAFETY: `f` is a function value of the current scope (checked above).
            let func = unsafe {
                Function::<RawArgs, Unknown<'static>>::from_napi_value(js.env().raw(), f)?
            };
            func.build_threadsafe_function::<MakeArgs>()
                .weak::<true>()
                .callee_handled::<false>()
                .build_callback(|ctx| Ok(RawArgs((ctx.value)(Js::new(&ctx.env)))))
        };
        let tsfn = build().map_err(|e| error::napi_failure(what, e))?;
        Ok(JsFn {
            what: Arc::from(what),
            tsfn: Arc::new(tsfn),
        })
    }

    /// What this function is, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Calls the function with the arguments `args` builds and waits (on this worker
    /// thread) for its value, or for the Promise it returns to settle; `convert` reads
    /// the value on the JS thread.
    pub fn call<R: Send + 'static>(
        &self,
        args: impl FnOnce(Js) -> napi::Result<Vec<Raw>> + Send + 'static,
        convert: impl FnOnce(Js, Raw) -> Result<R, Error> + Send + 'static,
    ) -> Result<R, Error> {
        let (tx, rx) = mpsc::channel();
        let slot: Slot<R> = Arc::new(Mutex::new(Some((tx, Box::new(convert)))));
        let what = self.what.clone();
        let args_slot = slot.clone();
        let args_what = what.clone();
        let make: MakeArgs = Box::new(move |js| match args(js) {
            Ok(a) => a,
            Err(e) => {
                deliver(&args_slot, js, Err(error::napi_failure(&args_what, e)));
                Vec::new()
            }
        });
        let ret_slot = slot.clone();
        let status = self.tsfn.call_with_return_value(
            make,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |ret: napi::Result<Unknown<'static>>, env: Env| {
                on_return(Js::new(&env), ret, &what, &ret_slot);
                Ok(())
            },
        );
        if status != Status::Ok {
            return Err(Error::callback(format!(
                "{} cannot be called: the JS runtime is shutting down ({status})",
                self.what
            )));
        }
        rx.recv().unwrap_or_else(|_| {
            Err(Error::callback(format!(
                "{} was dropped before it answered (the JS runtime is shutting down)",
                self.what
            )))
        })
    }

    /// Calls the function without waiting (progress reports). Calls queued when the
    /// runtime is shutting down are dropped.
    pub fn notify(&self, args: impl FnOnce(Js) -> napi::Result<Vec<Raw>> + Send + 'static) {
        let make: MakeArgs = Box::new(move |js| args(js).unwrap_or_default());
        let _ = self
            .tsfn
            .call(make, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// Runs on the JS thread with what the function returned or threw.
fn on_return<R: Send + 'static>(
    js: Js,
    ret: napi::Result<Unknown<'static>>,
    what: &Arc<str>,
    slot: &Slot<R>,
) {
    let value = match ret {
        Ok(v) => v.raw(),
        Err(thrown) => return deliver(slot, js, Err(error::from_thrown(what, thrown))),
    };
    match js.is_promise(value) {
        Ok(true) => {}
        Ok(false) => return deliver(slot, js, Ok(value)),
        Err(e) => return deliver(slot, js, Err(error::napi_failure(what, e))),
    }
    let ok_slot = slot.clone();
    let err_slot = slot.clone();
    let err_what = what.clone();
    let hooked = (|| {
        let on_ok = js.function("resolved", move |js, v| deliver(&ok_slot, js, Ok(v)))?;
        let on_err = js.function("rejected", move |js, reason| {
            // SAFETY: `reason` is the live argument of this callback on the JS thread.
            let thrown = napi::Error::from_unknown_without_coercion(unsafe {
                Unknown::from_raw_unchecked(js.env().raw(), reason)
            });
            deliver(&err_slot, js, Err(error::from_thrown(&err_what, thrown)));
        })?;
        js.call_method(value, "then", &[on_ok, on_err])
    })();
    if let Err(e) = hooked {
        js.take_exception();
        deliver(slot, js, Err(error::napi_failure(what, e)));
    }
}

use napi::JsValue as _;

/// A cancel token driven by an optional `AbortSignal`.
pub struct Abort {
    token: CancelToken,
    listener: Option<(JsRef, JsRef)>,
}

impl Abort {
    /// Watches `signal` (`undefined`/`null` = never cancelled). A signal already
    /// aborted gives `CANCELLED` at once.
    pub fn watch(js: Js, signal: Option<Raw>, what: &str) -> Result<Abort, Error> {
        let token = CancelToken::new();
        let napi = |e| error::napi_failure("signal", e);
        let Some(signal) = signal else {
            return Ok(Abort {
                token,
                listener: None,
            });
        };
        match js.kind(signal).map_err(napi)? {
            Kind::Undefined | Kind::Null => {
                return Ok(Abort {
                    token,
                    listener: None,
                })
            }
            Kind::Object => {}
            other => {
                return Err(Error::invalid(format!(
                    "signal must be an AbortSignal, got {}",
                    other.name()
                )))
            }
        }
        let aborted = js.get(signal, "aborted").map_err(napi)?;
        if js.kind(aborted).map_err(napi)? == Kind::Boolean && js.get_bool(aborted).map_err(napi)? {
            return Err(Error::Cancelled(format!(
                "{what}: the AbortSignal was already aborted"
            )));
        }
        let t = token.clone();
        let listener = js
            .function("onabort", move |_, _| t.cancel())
            .map_err(napi)?;
        let event = js.string("abort").map_err(napi)?;
        js.call_method(signal, "addEventListener", &[event, listener])
            .map_err(|e| {
                js.take_exception();
                Error::invalid(format!(
                    "signal must be an AbortSignal (addEventListener failed: {})",
                    e.reason
                ))
            })?;
        let refs = (
            js.reference(signal).map_err(napi)?,
            js.reference(listener).map_err(napi)?,
        );
        Ok(Abort {
            token,
            listener: Some(refs),
        })
    }

    /// The token the core call watches.
    pub fn token(&self) -> CancelToken {
        self.token.clone()
    }

    /// Removes the listener (on the JS thread, once the call settled).
    pub fn release(self, js: Js) {
        if let Some((signal, listener)) = self.listener {
            if let (Ok(s), Ok(l), Ok(event)) =
                (js.deref(&signal), js.deref(&listener), js.string("abort"))
            {
                if js
                    .call_method(s, "removeEventListener", &[event, l])
                    .is_err()
                {
                    js.take_exception();
                }
            }
            let _ = js.unref(signal);
            let _ = js.unref(listener);
        }
    }
}

/// The `{ signal, onProgress }` argument of a long call.
pub struct Watch {
    abort: Abort,
    progress: Option<JsFn>,
}

impl Watch {
    /// Reads the optional control object of a long call named `what`.
    pub fn read(js: Js, v: Option<Raw>, what: &str) -> Result<Watch, Error> {
        let Some(obj) = crate::json::options_object(js, v, "control")? else {
            return Ok(Watch {
                abort: Abort::watch(js, None, what)?,
                progress: None,
            });
        };
        let progress = crate::json::field(js, obj, "onProgress", "control")?
            .map(|f| JsFn::new(js, f, &format!("onProgress of {what}")))
            .transpose()?;
        let signal = crate::json::field(js, obj, "signal", "control")?;
        Ok(Watch {
            abort: Abort::watch(js, signal, what)?,
            progress,
        })
    }

    /// The core `Control`: the AbortSignal's token, and progress records handed to
    /// `onProgress` without waiting for it (a slow callback never slows the call).
    pub fn control<P>(&self) -> lakehouse::Control<P>
    where
        P: serde::Serialize + Clone + Send + Sync + 'static,
    {
        let control = lakehouse::Control::new().with_cancel(self.abort.token());
        match self.progress.clone() {
            None => control,
            Some(f) => control.on_progress(move |p: &P| {
                let p = p.clone();
                f.notify(move |js| Ok(vec![crate::json::ser(js, &p)?]));
            }),
        }
    }

    /// Ends the watch on the JS thread: the AbortSignal listener is removed and the
    /// progress function released, so neither keeps anything alive.
    pub fn release(self, js: Js) {
        self.abort.release(js);
        drop(self.progress);
    }
}
