//! `Materializer`: journal streams → the day-partitioned Parquet evidence index, with
//! the built-in transforms and JS functions as extra ones.

use std::sync::Arc;

use lakehouse::materialize::{self, Evidence, MaterializeConfig, MaterializeProgress};
use lakehouse::{Error, Materializer, Transform};
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;
use parking_lot::Mutex;

use crate::callbacks::{JsFn, Watch};
use crate::error::OrThrow;
use crate::js::Js;
use crate::json;
use crate::spawn::{self, RawValue};

/// A JS function `(line) => Evidence | Promise<Evidence>` as a core transform.
struct FnTransform {
    name: String,
    stream: String,
    f: JsFn,
}

impl Transform for FnTransform {
    fn name(&self) -> &str {
        &self.name
    }

    fn stream(&self) -> &str {
        &self.stream
    }

    fn apply(&self, line: &str) -> lakehouse::Result<Evidence> {
        let line = line.to_owned();
        let what = self.f.what().to_owned();
        self.f.call(
            move |js| Ok(vec![js.string(&line)?]),
            move |js, v| {
                json::parse::<Evidence>(js, v, "evidence")
                    .map_err(|e| Error::callback(format!("{what} returned {e}")))
            },
        )
    }
}

/// Turns journal streams into evidence records, incrementally and crash-safely.
#[napi(js_name = "Materializer")]
pub struct JsMaterializer {
    inner: Mutex<Materializer>,
}

#[napi]
impl JsMaterializer {
    /// A materializer reading `<kbDir>/<stream>.jsonl` and writing under `outDir`,
    /// with the built-in transforms registered.
    #[napi(
        constructor,
        ts_args_type = "kbDir: string, outDir: string, config?: MaterializeConfig | null"
    )]
    pub fn new(
        env: Env,
        kb_dir: Unknown,
        out_dir: Unknown,
        config: Option<Unknown>,
    ) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let kb = json::string(js, kb_dir.raw(), "kbDir")?;
            let out = json::string(js, out_dir.raw(), "outDir")?;
            let config: MaterializeConfig = json::options(js, json::opt(&config), "config")?;
            let mut m = Materializer::new(kb, out)?;
            m.set_config(config);
            Ok(JsMaterializer {
                inner: Mutex::new(m),
            })
        })()
        .or_throw(js)
    }

    /// Adds a JS transform (replacing one of the same name). `transform(line)` gets one
    /// journal line of `stream` (default: `name`) and returns or resolves to an
    /// `Evidence` object; a throw or a bad value sends the line to quarantine.
    #[napi(
        ts_args_type = "name: string, transform: (line: string) => Evidence | Promise<Evidence>, stream?: string | null"
    )]
    pub fn register(
        &self,
        env: Env,
        name: Unknown,
        transform: Unknown,
        stream: Option<Unknown>,
    ) -> napi::Result<()> {
        let js = Js::new(&env);
        (|| {
            let name = json::string(js, name.raw(), "name")?;
            let stream = match json::opt(&stream) {
                Some(s) if !json::is_nullish(js, s).unwrap_or(true) => {
                    json::string(js, s, "stream")?
                }
                _ => name.clone(),
            };
            let f = JsFn::new(js, transform.raw(), &format!("transform '{name}'"))?;
            self.inner
                .lock()
                .register(Arc::new(FnTransform { name, stream, f }))
        })()
        .or_throw(js)
    }

    /// Names of the registered transforms.
    #[napi]
    pub fn transform_names(&self) -> Vec<String> {
        self.inner.lock().transform_names()
    }

    /// Runs once; resolves to the run's `Receipt`. `onProgress` gets a
    /// `MaterializeProgress` every `progress_every` lines; `signal` cancels (nothing of
    /// the run is committed, `CANCELLED`).
    #[napi(
        ts_args_type = "control?: CallControl<MaterializeProgress> | null",
        ts_return_type = "Promise<Receipt>"
    )]
    pub fn run(&self, env: Env, control: Option<Unknown>) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let m = self.inner.lock().clone();
        let args = Watch::read(js, json::opt(&control), "materializer run").map(|w| (m, w));
        spawn::run_watched(
            &env,
            args,
            |m, watch| m.run_with(&watch.control::<MaterializeProgress>()),
            |js, receipt| json::ser(js, &receipt),
        )
    }
}

/// Reads every evidence record under `outDir`.
#[napi(
    ts_args_type = "outDir: string",
    ts_return_type = "Promise<EvidenceRecord[]>"
)]
pub fn read_evidence(env: Env, out_dir: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let args = json::string(js, out_dir.raw(), "outDir");
    spawn::run(&env, args, materialize::read_evidence, |js, recs| {
        json::ser(js, &recs)
    })
}
