//! Promise-returning calls run on threads the addon owns.
//!
//! Not on the libuv pool: a libuv work item that waits for a JS callback (a JS
//! embedder that itself needs the pool for `fetch` or `fs`) can deadlock, and Bun has
//! no libuv at all. The pool grows a thread whenever no idle one is waiting, so a call
//! that blocks on JS never starves another call, and idle threads exit after a while.
//! Idle threads never keep the process alive: only a pending Promise does (through its
//! deferred), and it settles when its work ends.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::Duration;

use lakehouse::Error;
use napi::bindgen_prelude::ToNapiValue;
use napi::{sys, Env, JsDeferred, JsValue};
use parking_lot::{Condvar, Mutex};

use crate::error;
use crate::js::{Js, Raw};

type Job = Box<dyn FnOnce() + Send>;

/// How long an idle worker waits for work before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    idle: usize,
}

#[derive(Default)]
struct Pool {
    queue: Mutex<Queue>,
    ready: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

impl Pool {
    fn submit(&'static self, job: Job) -> Result<(), Error> {
        let mut q = self.queue.lock();
        q.jobs.push_back(job);
        if q.idle >= q.jobs.len() {
            self.ready.notify_one();
            return Ok(());
        }
        drop(q);
        std::thread::Builder::new()
            .name("lakehouse-node".into())
            .spawn(move || self.work())
            .map(drop)
            .map_err(|e| Error::Internal(format!("cannot start a worker thread: {e}")))
    }

    fn work(&self) {
        let mut q = self.queue.lock();
        loop {
            if let Some(job) = q.jobs.pop_front() {
                drop(q);
                job();
                q = self.queue.lock();
                continue;
            }
            q.idle += 1;
            let timed_out = self.ready.wait_for(&mut q, IDLE_EXIT).timed_out();
            q.idle -= 1;
            if timed_out && q.jobs.is_empty() {
                return;
            }
        }
    }
}

/// A raw JS value handed to napi-rs as a resolved Promise value.
pub struct RawValue(Raw);

impl ToNapiValue for RawValue {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

type Resolver = Box<dyn FnOnce(Env) -> napi::Result<RawValue>>;

/// Runs `work` on an addon thread and returns a Promise settled on the JS thread:
/// resolved with `convert(result)`, or rejected with the lakehouse JS error.
///
/// A panic in `work` rejects with `INTERNAL` instead of unwinding into Node.
pub fn promise<T, W, C>(env: &Env, work: W, convert: C) -> napi::Result<Raw>
where
    T: Send + 'static,
    W: FnOnce() -> Result<T, Error> + Send + 'static,
    C: FnOnce(Js, T) -> napi::Result<Raw> + Send + 'static,
{
    promise_with(env, work, convert, |_| {})
}

/// [`promise`] that also runs `cleanup` on the JS thread when the Promise settles,
/// whichever way (removing an `AbortSignal` listener).
pub fn promise_with<T, W, C, F>(env: &Env, work: W, convert: C, cleanup: F) -> napi::Result<Raw>
where
    T: Send + 'static,
    W: FnOnce() -> Result<T, Error> + Send + 'static,
    C: FnOnce(Js, T) -> napi::Result<Raw> + Send + 'static,
    F: FnOnce(Js) + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<RawValue, Resolver>()?;
    let raw = promise.raw();
    let job = move || {
        let result = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(Error::Internal(format!("binding worker panicked: {msg}")))
        });
        settle(deferred, result, convert, cleanup);
    };
    pool()
        .submit(Box::new(job))
        .map_err(|e| error::to_napi(Js::new(env), &e))?;
    Ok(raw)
}

/// A Promise already rejected with `e` (argument errors of Promise methods reject
/// instead of throwing, so callers handle one path).
pub fn rejected(env: &Env, e: Error) -> napi::Result<Raw> {
    let (deferred, promise) = env.create_deferred::<RawValue, Resolver>()?;
    let raw = promise.raw();
    settle::<(), _, _>(deferred, Err(e), |js, ()| js.undefined(), |_| {});
    Ok(raw)
}

fn settle<T, C, F>(
    deferred: JsDeferred<RawValue, Resolver>,
    result: Result<T, Error>,
    convert: C,
    cleanup: F,
) where
    T: Send + 'static,
    C: FnOnce(Js, T) -> napi::Result<Raw> + Send + 'static,
    F: FnOnce(Js) + Send + 'static,
{
    deferred.resolve(Box::new(move |env: Env| {
        let js = Js::new(&env);
        cleanup(js);
        match result {
            Ok(v) => convert(js, v).map(RawValue),
            Err(e) => Err(error::to_napi(js, &e)),
        }
    }));
}

/// [`promise`] whose arguments were converted first: a conversion error rejects the
/// Promise (with `INVALID_INPUT`, …) instead of throwing.
pub fn run<A, T, W, C>(
    env: &Env,
    args: Result<A, Error>,
    work: W,
    convert: C,
) -> napi::Result<RawValue>
where
    A: Send + 'static,
    T: Send + 'static,
    W: FnOnce(A) -> Result<T, Error> + Send + 'static,
    C: FnOnce(Js, T) -> napi::Result<Raw> + Send + 'static,
{
    let raw = match args {
        Ok(a) => promise(env, move || work(a), convert)?,
        Err(e) => rejected(env, e)?,
    };
    Ok(RawValue(raw))
}

impl RawValue {
    /// Wraps a value of the current scope.
    pub fn new(v: Raw) -> RawValue {
        RawValue(v)
    }
}

/// [`run`] for a long call watched by `{ signal, onProgress }`: the watch is released
/// when the Promise settles.
pub fn run_watched<A, T, W, C>(
    env: &Env,
    args: Result<(A, crate::callbacks::Watch), Error>,
    work: W,
    convert: C,
) -> napi::Result<RawValue>
where
    A: Send + 'static,
    T: Send + 'static,
    W: FnOnce(A, &crate::callbacks::Watch) -> Result<T, Error> + Send + 'static,
    C: FnOnce(Js, T) -> napi::Result<Raw> + Send + 'static,
{
    let (a, watch) = match args {
        Ok(x) => x,
        Err(e) => return rejected(env, e).map(RawValue),
    };
    let slot = std::sync::Arc::new(Mutex::new(Some(watch)));
    let work_slot = slot.clone();
    let raw = promise_with(
        env,
        move || {
            let guard = work_slot.lock();
            match guard.as_ref() {
                Some(w) => work(a, w),
                None => Err(Error::Internal("watch released before the call ran".into())),
            }
        },
        convert,
        move |js| {
            if let Some(w) = slot.lock().take() {
                w.release(js);
            }
        },
    )?;
    Ok(RawValue(raw))
}
