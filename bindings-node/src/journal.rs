//! `Journal`: append-only JSONL event streams. An append is one buffered write (no
//! fsync), so it is synchronous; `syncAll` (fsync) returns a Promise.

use lakehouse::Journal;
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

use crate::error::OrThrow;
use crate::js::Js;
use crate::json;
use crate::spawn::{self, RawValue};

/// The event journal of a knowledge-base directory (`<kb>/<stream>.jsonl`).
#[napi(js_name = "Journal")]
pub struct JsJournal {
    inner: Journal,
}

#[napi]
impl JsJournal {
    /// Opens (creating if needed) the journal directory.
    #[napi(constructor, ts_args_type = "kbDir: string")]
    pub fn new(env: Env, kb_dir: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        json::string(js, kb_dir.raw(), "kbDir")
            .and_then(Journal::open)
            .map(|inner| JsJournal { inner })
            .or_throw(js)
    }

    /// The directory.
    #[napi(getter)]
    pub fn dir(&self) -> String {
        self.inner.dir().to_string_lossy().into_owned()
    }

    /// Appends one event (a JSON object) as one line of `stream`; events of the known
    /// streams are checked against their schema first.
    #[napi(ts_args_type = "stream: string, event: JsonObject")]
    pub fn append(&self, env: Env, stream: Unknown, event: Unknown) -> napi::Result<()> {
        let js = Js::new(&env);
        (|| {
            let stream = json::string(js, stream.raw(), "stream")?;
            let event = json::from_js(js, event.raw(), "event")?;
            self.inner.append_value(&stream, &event)
        })()
        .or_throw(js)
    }

    /// The file of one stream.
    #[napi(ts_args_type = "stream: string")]
    pub fn path(&self, env: Env, stream: Unknown) -> napi::Result<String> {
        let js = Js::new(&env);
        json::string(js, stream.raw(), "stream")
            .and_then(|s| self.inner.path(&s))
            .map(|p| p.to_string_lossy().into_owned())
            .or_throw(js)
    }

    /// Makes every appended line durable (fsync).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn sync_all(&self, env: Env) -> napi::Result<RawValue> {
        let inner = self.inner.clone();
        spawn::run(
            &env,
            Ok(()),
            move |()| inner.sync_all(),
            |js, ()| js.undefined(),
        )
    }
}
