//! The raw Node-API calls the conversions need, in one place.
//!
//! Every function here runs on the JS thread (the only place a `napi_env` is valid);
//! values never outlive the callback scope they were created in. Conversions are done
//! by hand instead of through napi-rs' generic `FromNapiValue` so that a value of the
//! wrong type becomes a typed `lakehouse` error instead of a `napi_fatal_error`.

use std::ptr;

use napi::{sys, Env, JsValue, Status};

/// A JS value handle, valid in the current callback scope only.
pub type Raw = sys::napi_value;

/// The JS types a conversion distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Symbol,
    Object,
    Function,
    Other,
}

impl Kind {
    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Undefined => "undefined",
            Kind::Null => "null",
            Kind::Boolean => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Symbol => "a symbol",
            Kind::Object => "an object",
            Kind::Function => "a function",
            Kind::Other => "an unsupported value",
        }
    }
}

/// The JS environment of the current callback.
#[derive(Clone, Copy)]
pub struct Js {
    env: sys::napi_env,
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            format!("Node-API call failed: {what}"),
        ))
    }
}

macro_rules! call {
    ($what:literal, $f:ident($($arg:expr),* $(,)?)) => {
        // SAFETY: `Js` is only constructed from the env of the callback being run, on
        // the JS thread, and every pointer passed is a live local of this function.
        check(unsafe { sys::$f($($arg),*) }, $what)
    };
}

impl Js {
    /// Wraps the env handed to a `#[napi]` function or a JS-thread callback.
    pub fn new(env: &Env) -> Js {
        Js { env: env.raw() }
    }

    /// The napi-rs env of this handle.
    pub fn env(self) -> Env {
        Env::from_raw(self.env)
    }

    pub fn undefined(self) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("get undefined", napi_get_undefined(self.env, &mut v))?;
        Ok(v)
    }

    pub fn null(self) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("get null", napi_get_null(self.env, &mut v))?;
        Ok(v)
    }

    pub fn boolean(self, b: bool) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("get boolean", napi_get_boolean(self.env, b, &mut v))?;
        Ok(v)
    }

    pub fn number(self, n: f64) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("create number", napi_create_double(self.env, n, &mut v))?;
        Ok(v)
    }

    pub fn string(self, s: &str) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!(
            "create string",
            napi_create_string_utf8(self.env, s.as_ptr().cast(), s.len() as isize, &mut v)
        )?;
        Ok(v)
    }

    pub fn object(self) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("create object", napi_create_object(self.env, &mut v))?;
        Ok(v)
    }

    pub fn array(self, len: usize) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!(
            "create array",
            napi_create_array_with_length(self.env, len, &mut v)
        )?;
        Ok(v)
    }

    /// A `Float32Array` holding a copy of `data`.
    pub fn float32_array(self, data: &[f32]) -> napi::Result<Raw> {
        let mut buf_data: *mut std::ffi::c_void = ptr::null_mut();
        let mut buf = ptr::null_mut();
        let bytes = std::mem::size_of_val(data);
        call!(
            "create ArrayBuffer",
            napi_create_arraybuffer(self.env, bytes, &mut buf_data, &mut buf)
        )?;
        if bytes > 0 && !buf_data.is_null() {
            // SAFETY: the engine just allocated `bytes` writable bytes at `buf_data`;
            // the source slice has exactly that many bytes and cannot overlap it.
            unsafe {
                ptr::copy_nonoverlapping(data.as_ptr().cast::<u8>(), buf_data.cast::<u8>(), bytes)
            };
        }
        let mut v = ptr::null_mut();
        call!(
            "create Float32Array",
            napi_create_typedarray(
                self.env,
                sys::TypedarrayType::float32_array,
                data.len(),
                buf,
                0,
                &mut v
            )
        )?;
        Ok(v)
    }

    pub fn kind(self, v: Raw) -> napi::Result<Kind> {
        let mut t = 0;
        call!("typeof", napi_typeof(self.env, v, &mut t))?;
        Ok(match t {
            sys::ValueType::napi_undefined => Kind::Undefined,
            sys::ValueType::napi_null => Kind::Null,
            sys::ValueType::napi_boolean => Kind::Boolean,
            sys::ValueType::napi_number => Kind::Number,
            sys::ValueType::napi_string => Kind::String,
            sys::ValueType::napi_symbol => Kind::Symbol,
            sys::ValueType::napi_object => Kind::Object,
            sys::ValueType::napi_function => Kind::Function,
            _ => Kind::Other,
        })
    }

    pub fn is_array(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        call!("is array", napi_is_array(self.env, v, &mut b))?;
        Ok(b)
    }

    pub fn is_promise(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        call!("is promise", napi_is_promise(self.env, v, &mut b))?;
        Ok(b)
    }

    pub fn is_date(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        call!("is date", napi_is_date(self.env, v, &mut b))?;
        Ok(b)
    }

    pub fn is_error(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        call!("is error", napi_is_error(self.env, v, &mut b))?;
        Ok(b)
    }

    pub fn date_ms(self, v: Raw) -> napi::Result<f64> {
        let mut ms = 0.0;
        call!("date value", napi_get_date_value(self.env, v, &mut ms))?;
        Ok(ms)
    }

    /// The numbers of a typed array as `f32`, when `v` is a `Float32Array` or a
    /// `Float64Array`; `Ok(None)` for any other value.
    pub fn float_typed_array(self, v: Raw) -> napi::Result<Option<Vec<f32>>> {
        let mut is = false;
        call!("is typedarray", napi_is_typedarray(self.env, v, &mut is))?;
        if !is {
            return Ok(None);
        }
        let mut ty = 0;
        let mut len = 0usize;
        let mut data: *mut std::ffi::c_void = ptr::null_mut();
        let mut buf = ptr::null_mut();
        let mut offset = 0usize;
        call!(
            "typedarray info",
            napi_get_typedarray_info(
                self.env,
                v,
                &mut ty,
                &mut len,
                &mut data,
                &mut buf,
                &mut offset
            )
        )?;
        if len == 0 || data.is_null() {
            return Ok(matches!(
                ty,
                sys::TypedarrayType::float32_array | sys::TypedarrayType::float64_array
            )
            .then(Vec::new));
        }
        // SAFETY: `data` points at the view's first element (the offset is already
        // applied) and the view holds `len` elements of the reported type; the typed
        // array stays alive for this scope and JS cannot run while we copy.
        Ok(match ty {
            sys::TypedarrayType::float32_array => {
                let mut out = vec![0f32; len];
                unsafe {
                    ptr::copy_nonoverlapping(
                        data.cast::<u8>(),
                        out.as_mut_ptr().cast::<u8>(),
                        len * 4,
                    )
                };
                Some(out)
            }
            sys::TypedarrayType::float64_array => {
                let mut wide = vec![0f64; len];
                unsafe {
                    ptr::copy_nonoverlapping(
                        data.cast::<u8>(),
                        wide.as_mut_ptr().cast::<u8>(),
                        len * 8,
                    )
                };
                Some(wide.into_iter().map(|x| x as f32).collect())
            }
            _ => None,
        })
    }

    pub fn get_str(self, v: Raw) -> napi::Result<String> {
        let mut len = 0usize;
        call!(
            "string length",
            napi_get_value_string_utf8(self.env, v, ptr::null_mut(), 0, &mut len)
        )?;
        let mut buf = vec![0u8; len + 1];
        let mut written = 0usize;
        call!(
            "read string",
            napi_get_value_string_utf8(
                self.env,
                v,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written
            )
        )?;
        buf.truncate(written);
        // Node-API writes UTF-8 (lone surrogates become U+FFFD), so this cannot fail;
        // the lossy form keeps it that way on any engine.
        Ok(String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    pub fn get_f64(self, v: Raw) -> napi::Result<f64> {
        let mut n = 0.0;
        call!("read number", napi_get_value_double(self.env, v, &mut n))?;
        Ok(n)
    }

    pub fn get_bool(self, v: Raw) -> napi::Result<bool> {
        let mut b = false;
        call!("read boolean", napi_get_value_bool(self.env, v, &mut b))?;
        Ok(b)
    }

    pub fn set(self, obj: Raw, key: &str, value: Raw) -> napi::Result<()> {
        let k = self.string(key)?;
        call!("set property", napi_set_property(self.env, obj, k, value))
    }

    pub fn get(self, obj: Raw, key: &str) -> napi::Result<Raw> {
        let k = self.string(key)?;
        let mut v = ptr::null_mut();
        call!("get property", napi_get_property(self.env, obj, k, &mut v))?;
        Ok(v)
    }

    pub fn set_element(self, arr: Raw, i: u32, value: Raw) -> napi::Result<()> {
        call!("set element", napi_set_element(self.env, arr, i, value))
    }

    pub fn element(self, arr: Raw, i: u32) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!("get element", napi_get_element(self.env, arr, i, &mut v))?;
        Ok(v)
    }

    pub fn array_len(self, arr: Raw) -> napi::Result<u32> {
        let mut n = 0u32;
        call!("array length", napi_get_array_length(self.env, arr, &mut n))?;
        Ok(n)
    }

    /// Own enumerable string keys of an object, in property order.
    pub fn keys(self, obj: Raw) -> napi::Result<Vec<String>> {
        let mut names = ptr::null_mut();
        call!(
            "property names",
            napi_get_all_property_names(
                self.env,
                obj,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut names
            )
        )?;
        let n = self.array_len(names)?;
        (0..n)
            .map(|i| self.element(names, i).and_then(|k| self.get_str(k)))
            .collect()
    }

    /// An `Error` object with `message` and `code`.
    pub fn error(self, code: &str, message: &str) -> napi::Result<Raw> {
        let c = self.string(code)?;
        let m = self.string(message)?;
        let mut v = ptr::null_mut();
        call!("create error", napi_create_error(self.env, c, m, &mut v))?;
        Ok(v)
    }

    /// Calls `obj[name](...args)`.
    pub fn call_method(self, obj: Raw, name: &str, args: &[Raw]) -> napi::Result<Raw> {
        let f = self.get(obj, name)?;
        let mut v = ptr::null_mut();
        call!(
            "call method",
            napi_call_function(self.env, obj, f, args.len(), args.as_ptr(), &mut v)
        )?;
        Ok(v)
    }

    /// Takes the exception a failed call left pending, if any.
    pub fn take_exception(self) -> Option<Raw> {
        let mut pending = false;
        // SAFETY: as in `call!`.
        unsafe { sys::napi_is_exception_pending(self.env, &mut pending) };
        if !pending {
            return None;
        }
        let mut v = ptr::null_mut();
        // SAFETY: as in `call!`.
        let st = unsafe { sys::napi_get_and_clear_last_exception(self.env, &mut v) };
        (st == sys::Status::napi_ok).then_some(v)
    }

    /// A JS function calling `f` with its first argument.
    pub fn function(self, name: &str, f: impl Fn(Js, Raw) + 'static) -> napi::Result<Raw> {
        let env = self.env();
        let func = env.create_function_from_closure::<napi::Unknown, (), _>(name, move |ctx| {
            let js = Js { env: ctx.env.raw() };
            let arg = if ctx.length() > 0 {
                ctx.get::<napi::Unknown>(0)?.raw()
            } else {
                js.undefined()?
            };
            f(js, arg);
            Ok(())
        })?;
        Ok(napi::JsValue::raw(&func))
    }

    /// Keeps `v` alive across calls until [`Js::unref`].
    pub fn reference(self, v: Raw) -> napi::Result<JsRef> {
        let mut r = ptr::null_mut();
        call!(
            "create reference",
            napi_create_reference(self.env, v, 1, &mut r)
        )?;
        Ok(JsRef(r))
    }

    pub fn deref(self, r: &JsRef) -> napi::Result<Raw> {
        let mut v = ptr::null_mut();
        call!(
            "get reference",
            napi_get_reference_value(self.env, r.0, &mut v)
        )?;
        Ok(v)
    }

    pub fn unref(self, r: JsRef) -> napi::Result<()> {
        call!("delete reference", napi_delete_reference(self.env, r.0))
    }
}

/// A strong reference to a JS value. It may travel between threads but is only
/// dereferenced and deleted on the JS thread ([`Js::deref`], [`Js::unref`]).
pub struct JsRef(sys::napi_ref);

// SAFETY: the handle is an opaque token; it is only used through `Js` on the JS thread.
unsafe impl Send for JsRef {}
