//! `lakehouse::Error` → a real JS `Error` with `.code`, `.details` and `.cause`.
//!
//! The same object is thrown by sync methods and rejected by Promise ones. An error a
//! user's JS function threw (or rejected with) travels through the core as
//! `Error::Callback` whose source is the captured [`napi::Error`]; on the way back it
//! becomes the `.cause`, the very value JS threw.

use lakehouse::Error;
use napi::bindgen_prelude::ToNapiValue;

use crate::js::{Js, Raw};
use crate::json;

/// Builds the JS error object for `e`.
pub fn to_js(js: Js, e: &Error) -> napi::Result<Raw> {
    let obj = js.error(e.code(), &e.to_string())?;
    js.set(obj, "details", json::to_js(js, &e.details())?)?;
    if let Some(cause) = cause(js, e)? {
        js.set(obj, "cause", cause)?;
    }
    Ok(obj)
}

/// The original JS value behind a callback error, when there is one.
fn cause(js: Js, e: &Error) -> napi::Result<Option<Raw>> {
    let Some(source) = e.callback_source() else {
        return Ok(None);
    };
    let Some(thrown) = source.downcast_ref::<napi::Error>() else {
        return Ok(None);
    };
    let clone = thrown.try_clone()?;
    // SAFETY: runs on the JS thread of `js`, the env the error was captured in.
    let v = unsafe { ToNapiValue::to_napi_value(js.env().raw(), clone)? };
    Ok(Some(v))
}

/// A napi error that rethrows the JS error object built for `e` unchanged.
pub fn to_napi(js: Js, e: &Error) -> napi::Error {
    match to_js(js, e) {
        // SAFETY: `obj` is a live value of this callback scope on the JS thread.
        Ok(obj) => {
            napi::Error::from(unsafe { napi::Unknown::from_raw_unchecked(js.env().raw(), obj) })
        }
        Err(napi_err) => napi_err,
    }
}

/// `Result` of a sync method: a core error is thrown as a lakehouse JS error.
pub trait OrThrow<T> {
    /// Maps the core error to the JS error object to throw.
    fn or_throw(self, js: Js) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T, Error> {
    fn or_throw(self, js: Js) -> napi::Result<T> {
        self.map_err(|e| to_napi(js, &e))
    }
}

/// Wraps what a user's JS function threw or rejected with as a core callback error.
pub fn from_thrown(what: &str, thrown: napi::Error) -> Error {
    let message = if thrown.reason.is_empty() {
        format!("{what} threw")
    } else {
        format!("{what} threw: {}", thrown.reason)
    };
    Error::callback_with_source(message, thrown)
}

/// A napi failure while calling into JS, as a core callback error.
pub fn napi_failure(what: &str, e: napi::Error) -> Error {
    Error::callback(format!("{what}: {}", e.reason))
}
