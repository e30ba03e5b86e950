//! Node.js and Bun binding of `lakehouse`: one napi-rs addon both runtimes load.
//!
//! Each file wraps one core module and only converts: handles are JS classes with
//! camelCase methods; data (hits, verdicts, configs, reports, records) crosses in its
//! serde JSON shape with snake_case keys (SPEC §8); vectors are `Float32Array`s.
//! Anything that blocks or may call back into JS returns a Promise and runs on threads
//! the addon owns ([`spawn`]); errors are real `Error` objects with `.code`,
//! `.details` and `.cause` ([`error`]).

// napi-derive registers exported functions only outside `cfg(test)`, so the lib's
// (empty) test build would call them unused.
#![cfg_attr(test, allow(dead_code))]

mod callbacks;
mod corpus;
mod embed;
mod error;
mod index;
mod journal;
mod js;
mod json;
mod materialize;
mod replay;
mod retrieve;
mod spawn;
mod store;
mod validate;

use napi::bindgen_prelude::ToNapiValue;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::js::Js;

/// The list of error codes as a JS value (`ERROR_CODES`, typed in types.d.ts).
pub struct ErrorCodes;

impl ToNapiValue for ErrorCodes {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        _: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        let codes: Vec<&str> = lakehouse::Error::CODES.to_vec();
        // SAFETY: called by napi-rs with the env of module registration.
        unsafe { ToNapiValue::to_napi_value(env, codes) }
    }
}

/// Every `.code` a lakehouse error can carry.
#[napi(skip_typescript)]
pub const ERROR_CODES: ErrorCodes = ErrorCodes;

/// True when `e` is an `Error` thrown or rejected by lakehouse (its `.code` is one of
/// `ERROR_CODES` and it carries `.details`).
#[napi(ts_args_type = "e: unknown", ts_return_type = "e is LakehouseError")]
pub fn is_lakehouse_error(env: Env, e: Unknown) -> napi::Result<bool> {
    let js = Js::new(&env);
    let v = napi::JsValue::raw(&e);
    if !js.is_error(v)? {
        return Ok(false);
    }
    let code = js.get(v, "code")?;
    if js.kind(code)? != js::Kind::String {
        return Ok(false);
    }
    let code = js.get_str(code)?;
    let details = js.get(v, "details")?;
    Ok(lakehouse::Error::CODES.contains(&code.as_str()) && js.kind(details)? == js::Kind::Object)
}
