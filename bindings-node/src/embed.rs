//! `Embedder`: one JS class for every embedder (napi has no trait objects): built-in
//! hashing and HTTP embedders, an LRU cache around any of them, and a JS (async)
//! function as a custom embedder.

use std::sync::Arc;

use lakehouse::embed::{
    CachedEmbedder, Embedder, HashingEmbedder, HttpEmbedder, HttpEmbedderConfig,
};
use lakehouse::Error;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

use crate::callbacks::JsFn;
use crate::error::OrThrow;
use crate::js::{Js, Kind, Raw};
use crate::json;
use crate::spawn::{self, RawValue};

/// Turns texts into vectors.
#[napi(js_name = "Embedder")]
pub struct JsEmbedder {
    pub(crate) inner: Arc<dyn Embedder>,
    cached: Option<CachedEmbedder>,
}

/// An `Embedder` argument.
pub(crate) fn embedder_arg(js: Js, v: Raw, what: &str) -> Result<Arc<dyn Embedder>, Error> {
    crate::store::class_arg::<JsEmbedder>(js, v, what, "Embedder").map(|e| e.inner.clone())
}

/// Vectors as an array of `Float32Array`s.
pub(crate) fn vectors_to_js(js: Js, vs: &[Vec<f32>]) -> napi::Result<Raw> {
    let arr = js.array(vs.len())?;
    for (i, v) in vs.iter().enumerate() {
        js.set_element(arr, i as u32, js.float32_array(v)?)?;
    }
    Ok(arr)
}

/// A user's JS function as a core `Embedder`.
struct FnEmbedder {
    dim: usize,
    model_id: String,
    f: JsFn,
}

impl Embedder for FnEmbedder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn model_id(&self) -> String {
        self.model_id.clone()
    }

    fn embed(&self, texts: &[&str]) -> lakehouse::Result<Vec<Vec<f32>>> {
        let texts: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
        let what = self.f.what().to_owned();
        self.f.call(
            move |js| {
                let arr = js.array(texts.len())?;
                for (i, t) in texts.iter().enumerate() {
                    js.set_element(arr, i as u32, js.string(t)?)?;
                }
                Ok(vec![arr])
            },
            move |js, v| {
                let bad = |msg: String| Error::callback(format!("{what} returned {msg}"));
                let napi = |e: napi::Error| bad(e.reason);
                if !(js.kind(v).map_err(napi)? == Kind::Object && js.is_array(v).map_err(napi)?) {
                    let kind = js.kind(v).map_err(napi)?;
                    return Err(bad(format!(
                        "{}, expected an array of vectors",
                        kind.name()
                    )));
                }
                let n = js.array_len(v).map_err(napi)?;
                (0..n)
                    .map(|i| {
                        let item = js.element(v, i).map_err(napi)?;
                        json::vector(js, item, &format!("[{i}]")).map_err(|e| bad(e.to_string()))
                    })
                    .collect()
            },
        )
    }
}

#[napi]
impl JsEmbedder {
    /// The deterministic feature-hashing embedder (no model, no network).
    #[napi(factory, ts_args_type = "dim: number")]
    pub fn hashing(env: Env, dim: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        json::count(js, dim.raw(), "dim")
            .and_then(HashingEmbedder::new)
            .map(|e| Self::plain(Arc::new(e)))
            .or_throw(js)
    }

    /// A client of an OpenAI-compatible or Ollama embedding server.
    #[napi(factory, ts_args_type = "config?: HttpEmbedderConfig | null")]
    pub fn http(env: Env, config: Option<Unknown>) -> napi::Result<Self> {
        let js = Js::new(&env);
        json::options::<HttpEmbedderConfig>(js, json::opt(&config), "config")
            .and_then(HttpEmbedder::new)
            .map(|e| Self::plain(Arc::new(e)))
            .or_throw(js)
    }

    /// `inner` behind a thread-safe LRU of `capacity` texts.
    #[napi(factory, ts_args_type = "inner: Embedder, capacity: number")]
    pub fn cached(env: Env, inner: Unknown, capacity: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let inner = embedder_arg(js, inner.raw(), "inner")?;
            let cap = json::count(js, capacity.raw(), "capacity")?;
            let cached = CachedEmbedder::new(inner, cap);
            Ok(JsEmbedder {
                inner: Arc::new(cached.clone()),
                cached: Some(cached),
            })
        })()
        .or_throw(js)
    }

    /// A JS function as the embedder: `embed(texts)` returns (or resolves to) one
    /// `Float32Array` or number array of `dim` values per text.
    #[napi(
        factory,
        js_name = "fromFunction",
        ts_args_type = "spec: { dim: number; model_id: string; embed: (texts: string[]) => Promise<Array<Float32Array | number[]>> | Array<Float32Array | number[]> }"
    )]
    pub fn from_function(env: Env, spec: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let spec = spec.raw();
            if js.kind(spec).map_err(|e| Error::invalid(e.reason))? != Kind::Object {
                return Err(Error::invalid(
                    "spec must be an object { dim, model_id, embed }",
                ));
            }
            let field = |k: &str| {
                json::field(js, spec, k, "spec")?
                    .ok_or_else(|| Error::invalid(format!("spec.{k} is required")))
            };
            let dim = json::count(js, field("dim")?, "spec.dim")?;
            let model_id = json::string(js, field("model_id")?, "spec.model_id")?;
            let f = JsFn::new(js, field("embed")?, &format!("embedder '{model_id}'"))?;
            Ok(Self::plain(Arc::new(FnEmbedder { dim, model_id, f })))
        })()
        .or_throw(js)
    }

    fn plain(inner: Arc<dyn Embedder>) -> Self {
        JsEmbedder {
            inner,
            cached: None,
        }
    }

    /// Vector length.
    #[napi(getter)]
    pub fn dim(&self) -> u32 {
        self.inner.dim() as u32
    }

    /// Model identity (part of cache keys and evidence).
    #[napi(getter)]
    pub fn model_id(&self) -> String {
        self.inner.model_id()
    }

    /// Embeds `texts`, one `Float32Array` each.
    #[napi(
        ts_args_type = "texts: string[]",
        ts_return_type = "Promise<Float32Array[]>"
    )]
    pub fn embed(&self, env: Env, texts: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::strings(js, texts.raw(), "texts");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |texts| {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                inner.embed(&refs)
            },
            |js, vs| vectors_to_js(js, &vs),
        )
    }

    /// Hit/miss counters of a cached embedder (`null` for others).
    #[napi(ts_return_type = "CacheStats | null")]
    pub fn cache_stats(&self, env: Env) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        match &self.cached {
            Some(c) => json::ser(js, &c.stats()),
            None => js.null(),
        }
        .map(RawValue::new)
    }
}
