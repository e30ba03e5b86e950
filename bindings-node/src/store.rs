//! `Lakehouse`: the durable catalog of named indexes. Everything that touches the
//! disk returns a Promise; `close()` releases the locks at once.

use lakehouse::index::IndexConfig;
use lakehouse::store::StoreOptions;
use lakehouse::{Error, Lakehouse};
use napi::bindgen_prelude::{ToNapiValue, TypeTag};
use napi::{sys, Env, JsValue, Unknown};
use napi_derive::napi;

use crate::error::OrThrow;
use crate::index::JsVectorIndex;
use crate::js::{Js, Kind, Raw};
use crate::json;
use crate::spawn::{self, RawValue};

/// Reads an instance of the napi class `T` passed as an argument; anything else
/// (another class, a plain object) is `INVALID_INPUT` naming the expected class. The
/// caller clones what it needs at once: the reference is not kept past this call.
pub(crate) fn class_arg<T: TypeTag + 'static>(
    js: Js,
    v: Raw,
    what: &str,
    class: &str,
) -> Result<&'static T, Error> {
    let wrong = || Error::invalid(format!("{what} must be a {class}"));
    if js.kind(v).map_err(|_| wrong())? != Kind::Object {
        return Err(wrong());
    }
    let env = js.env().raw();
    let mut tagged = false;
    // SAFETY: `v` is a live object of the current scope on the JS thread.
    let st = unsafe { sys::napi_check_object_type_tag(env, v, &T::type_tag(), &mut tagged) };
    if st != sys::Status::napi_ok || !tagged {
        return Err(wrong());
    }
    let mut ptr: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: as above; the type tag proves napi-rs wrapped a `T` in this object.
    let st = unsafe { sys::napi_unwrap(env, v, &mut ptr) };
    if st != sys::Status::napi_ok || ptr.is_null() {
        return Err(wrong());
    }
    // SAFETY: the wrapped pointer of a `T`-tagged object is the `T` napi-rs boxed; it
    // lives as long as the JS object, which the caller's argument keeps alive.
    Ok(unsafe { &*(ptr as *const T) })
}

/// A directory of durable named indexes (one writer per directory).
#[napi(js_name = "Lakehouse")]
pub struct JsLakehouse {
    inner: Lakehouse,
}

fn lake_to_js(js: Js, inner: Lakehouse) -> napi::Result<Raw> {
    // SAFETY: runs on the JS thread of `js`.
    unsafe { ToNapiValue::to_napi_value(js.env().raw(), JsLakehouse { inner }) }
}

#[napi]
impl JsLakehouse {
    /// Opens (creating if needed) a lakehouse directory for writing.
    #[napi(
        ts_args_type = "dir: string, options?: StoreOptions | null",
        ts_return_type = "Promise<Lakehouse>"
    )]
    pub fn open(env: Env, dir: Unknown, options: Option<Unknown>) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            Ok((
                json::string(js, dir.raw(), "dir")?,
                json::options::<StoreOptions>(js, json::opt(&options), "options")?,
            ))
        })();
        spawn::run(
            &env,
            args,
            |(dir, o)| Lakehouse::open_with(dir, o),
            lake_to_js,
        )
    }

    /// Opens a lakehouse directory read-only (no lock; writes fail with `READ_ONLY`).
    #[napi(ts_args_type = "dir: string", ts_return_type = "Promise<Lakehouse>")]
    pub fn open_read_only(env: Env, dir: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::string(js, dir.raw(), "dir");
        spawn::run(&env, args, Lakehouse::open_read_only, lake_to_js)
    }

    /// The directory.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.inner.path().to_string_lossy().into_owned()
    }

    /// Whether this handle was opened read-only.
    #[napi(getter)]
    pub fn read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Creates a new durable index (`ALREADY_EXISTS` if the name is taken).
    #[napi(
        ts_args_type = "name: string, config: IndexConfig",
        ts_return_type = "Promise<VectorIndex>"
    )]
    pub fn create_index(&self, env: Env, name: Unknown, config: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = name_and_config(js, &name, &config);
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(n, c)| inner.create_index(&n, c),
            JsVectorIndex::to_js,
        )
    }

    /// Opens an existing index (`NOT_FOUND` otherwise).
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<VectorIndex>")]
    pub fn index(&self, env: Env, name: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::string(js, name.raw(), "name");
        let inner = self.inner.clone();
        spawn::run(&env, args, move |n| inner.index(&n), JsVectorIndex::to_js)
    }

    /// Opens the index, creating it with `config` when it does not exist.
    #[napi(
        ts_args_type = "name: string, config: IndexConfig",
        ts_return_type = "Promise<VectorIndex>"
    )]
    pub fn open_or_create(
        &self,
        env: Env,
        name: Unknown,
        config: Unknown,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = name_and_config(js, &name, &config);
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(n, c)| inner.open_or_create(&n, c),
            JsVectorIndex::to_js,
        )
    }

    /// Deletes an index and its files.
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<void>")]
    pub fn drop_index(&self, env: Env, name: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::string(js, name.raw(), "name");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |n| inner.drop_index(&n),
            |js, ()| js.undefined(),
        )
    }

    /// Names of the indexes in the directory, sorted.
    #[napi]
    pub fn list(&self) -> Vec<String> {
        self.inner.list()
    }

    /// Writes a snapshot of one index now (the log is cut after it).
    #[napi(ts_args_type = "name: string", ts_return_type = "Promise<void>")]
    pub fn snapshot(&self, env: Env, name: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::string(js, name.raw(), "name");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |n| inner.snapshot(&n),
            |js, ()| js.undefined(),
        )
    }

    /// Makes every acknowledged write durable (fsync).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self, env: Env) -> napi::Result<RawValue> {
        let inner = self.inner.clone();
        spawn::run(
            &env,
            Ok(()),
            move |()| inner.flush(),
            |js, ()| js.undefined(),
        )
    }

    /// Flushes, stops background work and releases the directory lock at once. Later
    /// calls on this handle or its indexes fail with `CLOSED`. Idempotent.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self, env: Env) -> napi::Result<RawValue> {
        let inner = self.inner.clone();
        spawn::run(
            &env,
            Ok(()),
            move |()| inner.close(),
            |js, ()| js.undefined(),
        )
    }

    /// Storage counters of one index (`StoreStats`).
    #[napi(ts_args_type = "name: string", ts_return_type = "StoreStats")]
    pub fn store_stats(&self, env: Env, name: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let name = json::string(js, name.raw(), "name").or_throw(js)?;
        let stats = self.inner.store_stats(&name).or_throw(js)?;
        json::ser(js, &stats).map(RawValue::new)
    }

    /// What opening an index found and did (`OpenReport`), or `null` when it was not
    /// opened by this handle.
    #[napi(ts_args_type = "name: string", ts_return_type = "OpenReport | null")]
    pub fn last_open_report(&self, env: Env, name: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let name = json::string(js, name.raw(), "name").or_throw(js)?;
        json::ser(js, &self.inner.last_open_report(&name)).map(RawValue::new)
    }
}

fn name_and_config(
    js: Js,
    name: &Unknown,
    config: &Unknown,
) -> Result<(String, IndexConfig), Error> {
    Ok((
        json::string(js, name.raw(), "name")?,
        json::options_required(js, config.raw(), "config")?,
    ))
}
