//! `VectorIndex`: vectors in as `Float32Array` (or number arrays), out as
//! `Float32Array`; writes and searches return Promises.

use lakehouse::index::{Hit, IndexConfig, Record, SearchOptions, VectorIndex};
use lakehouse::Error;
use napi::bindgen_prelude::ToNapiValue;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;
use serde_json::Value;

use crate::error::OrThrow;
use crate::js::{Js, Kind, Raw};
use crate::json;
use crate::spawn::{self, RawValue};

/// A named vector index (in memory, or durable when it comes from a `Lakehouse`).
#[napi(js_name = "VectorIndex")]
pub struct JsVectorIndex {
    pub(crate) inner: VectorIndex,
}

impl JsVectorIndex {
    /// The JS object of a new handle on `inner`.
    pub(crate) fn to_js(js: Js, inner: VectorIndex) -> napi::Result<Raw> {
        // SAFETY: runs on the JS thread of `js`.
        unsafe { ToNapiValue::to_napi_value(js.env().raw(), JsVectorIndex { inner }) }
    }
}

/// A `VectorIndex` argument, checked by hand (a wrong object is `INVALID_INPUT`).
pub(crate) fn index_arg(js: Js, v: Raw, what: &str) -> Result<VectorIndex, Error> {
    crate::store::class_arg::<JsVectorIndex>(js, v, what, "VectorIndex").map(|i| i.inner.clone())
}

pub(crate) fn hits_to_js(js: Js, hits: &[Hit]) -> napi::Result<Raw> {
    let arr = js.array(hits.len())?;
    for (i, h) in hits.iter().enumerate() {
        let o = js.object()?;
        js.set(o, "id", js.string(&h.id)?)?;
        js.set(o, "score", js.number(f64::from(h.score))?)?;
        js.set(o, "metadata", json::to_js(js, &h.metadata)?)?;
        js.set_element(arr, i as u32, o)?;
    }
    Ok(arr)
}

fn record_to_js(js: Js, r: &Record) -> napi::Result<Raw> {
    let o = js.object()?;
    js.set(o, "id", js.string(&r.id)?)?;
    js.set(o, "vector", js.float32_array(&r.vector)?)?;
    js.set(o, "metadata", json::to_js(js, &r.metadata)?)?;
    Ok(o)
}

fn metadata(js: Js, v: Option<Raw>, what: &str) -> Result<Value, Error> {
    match v {
        None => Ok(Value::Object(Default::default())),
        Some(v) if json::is_nullish(js, v).unwrap_or(false) => {
            Ok(Value::Object(Default::default()))
        }
        Some(v) => json::from_js(js, v, what),
    }
}

/// `n` vectors from a flat `Float32Array`/number array of `n·dim` values, or from an
/// array of `n` vectors.
pub(crate) fn matrix(
    js: Js,
    v: Raw,
    n: usize,
    dim: usize,
    what: &str,
) -> Result<Vec<Vec<f32>>, Error> {
    let napi = |e: napi::Error| Error::invalid(format!("{what}: {}", e.reason));
    let nested = js.kind(v).map_err(napi)? == Kind::Object
        && js.is_array(v).map_err(napi)?
        && js.array_len(v).map_err(napi)? > 0
        && js.kind(js.element(v, 0).map_err(napi)?).map_err(napi)? == Kind::Object;
    if nested {
        let len = js.array_len(v).map_err(napi)? as usize;
        if len != n {
            return Err(Error::invalid(format!(
                "{what} has {len} vectors, expected {n}"
            )));
        }
        return (0..len)
            .map(|i| {
                json::vector(
                    js,
                    js.element(v, i as u32).map_err(napi)?,
                    &format!("{what}[{i}]"),
                )
            })
            .collect();
    }
    let flat = json::vector(js, v, what)?;
    if dim == 0 || flat.len() != n * dim {
        return Err(Error::invalid(format!(
            "{what} has {} values, expected {n} vectors × {dim} dims = {}",
            flat.len(),
            n * dim
        )));
    }
    Ok(flat.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

#[napi]
impl JsVectorIndex {
    /// An empty in-memory index. `config` is an `IndexConfig` (`dim` required).
    #[napi(constructor, ts_args_type = "name: string, config: IndexConfig")]
    pub fn new(env: Env, name: Unknown, config: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let name = json::string(js, name.raw(), "name")?;
            let config: IndexConfig = json::options_required(js, config.raw(), "config")?;
            VectorIndex::new(&name, config)
        })()
        .map(|inner| JsVectorIndex { inner })
        .or_throw(js)
    }

    /// The index name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// The vector dimension.
    #[napi(getter)]
    pub fn dim(&self) -> u32 {
        self.inner.config().dim as u32
    }

    /// The index configuration.
    #[napi(ts_return_type = "IndexConfig")]
    pub fn config(&self, env: Env) -> napi::Result<RawValue> {
        json::ser(Js::new(&env), self.inner.config()).map(RawValue::new)
    }

    /// Inserts or replaces one record.
    #[napi(
        ts_args_type = "id: string, vector: Float32Array | number[], metadata?: JsonObject | null",
        ts_return_type = "Promise<void>"
    )]
    pub fn upsert(
        &self,
        env: Env,
        id: Unknown,
        vector: Unknown,
        metadata: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            Ok((
                json::string(js, id.raw(), "id")?,
                json::vector(js, vector.raw(), "vector")?,
                self::metadata(js, json::opt(&metadata), "metadata")?,
            ))
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(id, v, m)| inner.upsert(&id, &v, m),
            |js, ()| js.undefined(),
        )
    }

    /// Inserts or replaces `ids.length` records at once. `vectors` is a flat
    /// `Float32Array` of `ids.length × dim` values (or an array of vectors).
    #[napi(
        ts_args_type = "ids: string[], vectors: Float32Array | number[] | Array<Float32Array | number[]>, metadata?: Array<JsonObject | null> | null",
        ts_return_type = "Promise<void>"
    )]
    pub fn upsert_batch(
        &self,
        env: Env,
        ids: Unknown,
        vectors: Unknown,
        metadata: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let dim = self.inner.config().dim;
        let args = (|| {
            let ids = json::strings(js, ids.raw(), "ids")?;
            let vectors = matrix(js, vectors.raw(), ids.len(), dim, "vectors")?;
            let metas: Vec<Value> = match json::opt(&metadata) {
                Some(m) if !json::is_nullish(js, m).unwrap_or(true) => {
                    let v = json::from_js(js, m, "metadata")?;
                    let Value::Array(items) = v else {
                        return Err(Error::invalid(
                            "metadata must be an array (one object per id)",
                        ));
                    };
                    if items.len() != ids.len() {
                        return Err(Error::invalid(format!(
                            "metadata has {} entries, expected {} (one per id)",
                            items.len(),
                            ids.len()
                        )));
                    }
                    items
                        .into_iter()
                        .map(|m| {
                            if m.is_null() {
                                Value::Object(Default::default())
                            } else {
                                m
                            }
                        })
                        .collect()
                }
                _ => vec![Value::Object(Default::default()); ids.len()],
            };
            Ok(ids
                .into_iter()
                .zip(vectors)
                .zip(metas)
                .map(|((id, vector), metadata)| Record {
                    id,
                    vector,
                    metadata,
                })
                .collect::<Vec<_>>())
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |records| inner.upsert_batch(records),
            |js, ()| js.undefined(),
        )
    }

    /// Deletes one record; resolves to whether it existed.
    #[napi(ts_args_type = "id: string", ts_return_type = "Promise<boolean>")]
    pub fn delete(&self, env: Env, id: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::string(js, id.raw(), "id");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |id| inner.delete(&id),
            |js, b| js.boolean(b),
        )
    }

    /// Deletes many records; resolves to how many existed.
    #[napi(ts_args_type = "ids: string[]", ts_return_type = "Promise<number>")]
    pub fn delete_batch(&self, env: Env, ids: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::strings(js, ids.raw(), "ids");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |ids| inner.delete_batch(&ids),
            |js, n| js.number(n as f64),
        )
    }

    /// The `k` nearest records to `query`, best first.
    #[napi(
        ts_args_type = "query: Float32Array | number[], k: number, options?: SearchOptions | null",
        ts_return_type = "Promise<Hit[]>"
    )]
    pub fn search(
        &self,
        env: Env,
        query: Unknown,
        k: Unknown,
        options: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            Ok((
                json::vector(js, query.raw(), "query")?,
                json::count(js, k.raw(), "k")?,
                json::options::<SearchOptions>(js, json::opt(&options), "options")?,
            ))
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(q, k, o)| inner.search(&q, k, &o),
            |js, hits| hits_to_js(js, &hits),
        )
    }

    /// The `k` nearest records of each query, searched in parallel. `queries` is a flat
    /// `Float32Array` of `n × dim` values (or an array of vectors); resolves to one
    /// `Hit[]` per query, in order.
    #[napi(
        ts_args_type = "queries: Float32Array | number[] | Array<Float32Array | number[]>, k: number, options?: SearchOptions | null",
        ts_return_type = "Promise<Hit[][]>"
    )]
    pub fn search_batch(
        &self,
        env: Env,
        queries: Unknown,
        k: Unknown,
        options: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let dim = self.inner.config().dim;
        let args = (|| {
            let q = queries.raw();
            let napi = |e: napi::Error| Error::invalid(format!("queries: {}", e.reason));
            let n = match js.float_typed_array(q).map_err(napi)? {
                Some(flat) => flat.len() / dim.max(1),
                None if js.kind(q).map_err(napi)? == Kind::Object
                    && js.is_array(q).map_err(napi)? =>
                {
                    let len = js.array_len(q).map_err(napi)? as usize;
                    let first_is_vector = len > 0
                        && js.kind(js.element(q, 0).map_err(napi)?).map_err(napi)? == Kind::Object;
                    if first_is_vector {
                        len
                    } else {
                        len / dim.max(1)
                    }
                }
                None => 0,
            };
            Ok((
                matrix(js, q, n, dim, "queries")?,
                json::count(js, k.raw(), "k")?,
                json::options::<SearchOptions>(js, json::opt(&options), "options")?,
            ))
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(q, k, o)| inner.search_batch(&q, k, &o),
            |js, rows| {
                let arr = js.array(rows.len())?;
                for (i, hits) in rows.iter().enumerate() {
                    js.set_element(arr, i as u32, hits_to_js(js, hits)?)?;
                }
                Ok(arr)
            },
        )
    }

    /// The stored record (`vector` as a `Float32Array`), or `null`.
    #[napi(ts_args_type = "id: string", ts_return_type = "IndexRecord | null")]
    pub fn get(&self, env: Env, id: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let id = json::string(js, id.raw(), "id").or_throw(js)?;
        match self.inner.get(&id) {
            Some(r) => record_to_js(js, &r),
            None => js.null(),
        }
        .map(RawValue::new)
    }

    /// Whether a record with this id exists.
    #[napi(ts_args_type = "id: string")]
    pub fn has(&self, env: Env, id: Unknown) -> napi::Result<bool> {
        let js = Js::new(&env);
        let id = json::string(js, id.raw(), "id").or_throw(js)?;
        Ok(self.inner.contains(&id))
    }

    /// Live records.
    #[napi]
    pub fn size(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Counters (`IndexStats`).
    #[napi(ts_return_type = "IndexStats")]
    pub fn stats(&self, env: Env) -> napi::Result<RawValue> {
        json::ser(Js::new(&env), &self.inner.stats()).map(RawValue::new)
    }
}
