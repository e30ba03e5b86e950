//! The workers corpus: synthetic generation, Parquet read/write and `ingest`.

use lakehouse::corpus::{self, IngestOptions, IngestProgress, Worker};
use lakehouse::Error;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

use crate::callbacks::Watch;
use crate::embed::embedder_arg;
use crate::error::OrThrow;
use crate::index::index_arg;
use crate::js::Js;
use crate::json;
use crate::spawn::{self, RawValue};

/// Largest synthetic corpus generated in one sync call (bigger ones: write Parquet).
const MAX_SYNC_WORKERS: usize = 100_000;

/// `n` synthetic workers from `seed` (deterministic), as `Worker` objects.
#[napi(ts_args_type = "n: number, seed: number", ts_return_type = "Worker[]")]
pub fn generate_workers(env: Env, n: Unknown, seed: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let (n, seed) = (|| {
        let n = json::count(js, n.raw(), "n")?;
        if n > MAX_SYNC_WORKERS {
            return Err(Error::invalid(format!(
                "n is {n}; generateWorkers returns at most {MAX_SYNC_WORKERS} workers, use generateWorkersParquet for more"
            )));
        }
        Ok((n, json::count(js, seed.raw(), "seed")? as u64))
    })()
    .or_throw(js)?;
    let workers: Vec<Worker> = corpus::generate_workers(n, seed).collect();
    json::ser(js, &workers).map(RawValue::new)
}

/// Writes `n` synthetic workers from `seed` to a Parquet file; resolves to the rows
/// written.
#[napi(
    ts_args_type = "path: string, n: number, seed: number",
    ts_return_type = "Promise<number>"
)]
pub fn generate_workers_parquet(
    env: Env,
    path: Unknown,
    n: Unknown,
    seed: Unknown,
) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let args = (|| {
        Ok((
            json::string(js, path.raw(), "path")?,
            json::count(js, n.raw(), "n")?,
            json::count(js, seed.raw(), "seed")? as u64,
        ))
    })();
    spawn::run(
        &env,
        args,
        |(path, n, seed)| corpus::write_workers_parquet(path, corpus::generate_workers(n, seed)),
        |js, rows| js.number(rows as f64),
    )
}

/// Writes `workers` to a Parquet file; resolves to the rows written.
#[napi(
    ts_args_type = "path: string, workers: Worker[]",
    ts_return_type = "Promise<number>"
)]
pub fn write_workers_parquet(env: Env, path: Unknown, workers: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let args = (|| {
        Ok((
            json::string(js, path.raw(), "path")?,
            json::parse::<Vec<Worker>>(js, workers.raw(), "workers")?,
        ))
    })();
    spawn::run(
        &env,
        args,
        |(path, workers)| corpus::write_workers_parquet(path, workers),
        |js, rows| js.number(rows as f64),
    )
}

/// Reads every worker of a Parquet file (a bad row fails the call; `ingest` skips
/// bad rows instead).
#[napi(ts_args_type = "path: string", ts_return_type = "Promise<Worker[]>")]
pub fn read_workers(env: Env, path: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let args = json::string(js, path.raw(), "path");
    spawn::run(&env, args, corpus::read_workers, |js, w| json::ser(js, &w))
}

/// Embeds every valid row of a workers Parquet file into `index`. `onProgress` gets an
/// `IngestProgress` after each batch; `signal` cancels between batches (`CANCELLED`).
#[napi(
    ts_args_type = "path: string, embedder: Embedder, index: VectorIndex, options?: IngestOptions | null, control?: CallControl<IngestProgress> | null",
    ts_return_type = "Promise<IngestReport>"
)]
pub fn ingest(
    env: Env,
    path: Unknown,
    embedder: Unknown,
    index: Unknown,
    options: Option<Unknown>,
    control: Option<Unknown>,
) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let args = (|| {
        let path = json::string(js, path.raw(), "path")?;
        let emb = embedder_arg(js, embedder.raw(), "embedder")?;
        let index = index_arg(js, index.raw(), "index")?;
        let options: IngestOptions = json::options(js, json::opt(&options), "options")?;
        let watch = Watch::read(js, json::opt(&control), &format!("ingest of '{path}'"))?;
        Ok(((path, emb, index, options), watch))
    })();
    spawn::run_watched(
        &env,
        args,
        |(path, emb, index, options), watch| {
            corpus::ingest_with(
                path,
                &*emb,
                &index,
                options,
                &watch.control::<IngestProgress>(),
            )
        },
        |js, report| json::ser(js, &report),
    )
}
