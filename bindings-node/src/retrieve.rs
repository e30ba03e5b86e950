//! `Retriever`: worker search with playbook memory. Both calls may reach a JS
//! embedder, so both return Promises.

use lakehouse::retrieve::{PlaybookOutcome, Retriever, RetrieverConfig, SearchRequest};
use lakehouse::Error;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

use crate::embed::embedder_arg;
use crate::error::OrThrow;
use crate::index::index_arg;
use crate::js::{Js, Raw};
use crate::json;
use crate::spawn::{self, RawValue};

/// Search over a workers index, boosted by recorded successful fills.
#[napi(js_name = "Retriever")]
pub struct JsRetriever {
    pub(crate) inner: Retriever,
}

/// A `Retriever` argument.
pub(crate) fn retriever_arg(js: Js, v: Raw, what: &str) -> Result<Retriever, Error> {
    crate::store::class_arg::<JsRetriever>(js, v, what, "Retriever").map(|r| r.inner.clone())
}

#[napi]
impl JsRetriever {
    /// A retriever over `workers` with playbook memory `playbooks` (both with the
    /// embedder's dimension).
    #[napi(
        constructor,
        ts_args_type = "embedder: Embedder, workers: VectorIndex, playbooks: VectorIndex, config?: RetrieverConfig | null"
    )]
    pub fn new(
        env: Env,
        embedder: Unknown,
        workers: Unknown,
        playbooks: Unknown,
        config: Option<Unknown>,
    ) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            Retriever::new(
                embedder_arg(js, embedder.raw(), "embedder")?,
                index_arg(js, workers.raw(), "workers")?,
                index_arg(js, playbooks.raw(), "playbooks")?,
                json::options::<RetrieverConfig>(js, json::opt(&config), "config")?,
            )
        })()
        .map(|inner| JsRetriever { inner })
        .or_throw(js)
    }

    /// Searches for workers (`SearchRequest`: `query`, `k`, `filter`, `exclude_ids`,
    /// `use_playbook`, `ef`).
    #[napi(
        ts_args_type = "request: SearchRequest",
        ts_return_type = "Promise<SearchResponse>"
    )]
    pub fn search(&self, env: Env, request: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = json::options_required::<SearchRequest>(js, request.raw(), "request");
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |req| inner.search(&req),
            |js, resp| json::ser(js, &resp),
        )
    }

    /// Records that `workerIds` filled `query` with `outcome` (default `"success"`);
    /// resolves to the playbook id.
    #[napi(
        ts_args_type = "query: string, workerIds: string[], outcome?: 'success' | 'failure' | null",
        ts_return_type = "Promise<string>"
    )]
    pub fn record(
        &self,
        env: Env,
        query: Unknown,
        worker_ids: Unknown,
        outcome: Option<Unknown>,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let args = (|| {
            let outcome = match json::opt(&outcome) {
                Some(o) if !json::is_nullish(js, o).unwrap_or(true) => {
                    json::parse::<PlaybookOutcome>(js, o, "outcome")?
                }
                _ => PlaybookOutcome::Success,
            };
            Ok((
                json::string(js, query.raw(), "query")?,
                json::strings(js, worker_ids.raw(), "workerIds")?,
                outcome,
            ))
        })();
        let inner = self.inner.clone();
        spawn::run(
            &env,
            args,
            move |(q, ids, o)| inner.record(&q, &ids, o),
            |js, id| js.string(&id),
        )
    }

    /// Hit/miss counters of the query-embedding cache.
    #[napi(ts_return_type = "CacheStats")]
    pub fn cache_stats(&self, env: Env) -> napi::Result<RawValue> {
        json::ser(Js::new(&env), &self.inner.cache_stats()).map(RawValue::new)
    }
}
