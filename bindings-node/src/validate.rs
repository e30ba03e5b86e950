//! Validators: pure microsecond calls, so they stay synchronous. Verdicts cross in
//! their JSON shape; a violation with a byte `span` also gets `utf16_span`, the same
//! range in JS string indices (`body.slice(start, end)`).

use lakehouse::validate::{
    sms_segments, Assignment, Draft, EmailValidator, FillValidator, JobOrder, Proposal, Roster,
    ValidatorConfig, Verdict,
};
use lakehouse::{Error, Worker};
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;
use serde_json::{json, Value};

use crate::error::OrThrow;
use crate::js::{Js, Raw};
use crate::json;
use crate::spawn::RawValue;

/// The verdict as JSON, each spanned violation also carrying `utf16_span`.
fn verdict_to_js(js: Js, verdict: &Verdict, body: Option<&str>) -> napi::Result<Raw> {
    let mut v = serde_json::to_value(verdict)
        .map_err(|e| napi::Error::from_reason(format!("cannot convert verdict: {e}")))?;
    if let (Some(body), Some(list)) = (body, v.get_mut("violations").and_then(Value::as_array_mut))
    {
        for (item, violation) in list.iter_mut().zip(&verdict.violations) {
            let range = violation.span.and_then(|s| s.utf16_range(body).ok());
            if let (Some(r), Some(obj)) = (range, item.as_object_mut()) {
                obj.insert("utf16_span".into(), json!({"start": r.start, "end": r.end}));
            }
        }
    }
    json::to_js(js, &v)
}

/// Checks outreach drafts (email and SMS) against the agency's rules.
#[napi(js_name = "EmailValidator")]
pub struct JsEmailValidator {
    inner: EmailValidator,
}

#[napi]
impl JsEmailValidator {
    /// A validator with `config` (`ValidatorConfig`; defaults when omitted).
    #[napi(constructor, ts_args_type = "config?: ValidatorConfig | null")]
    pub fn new(env: Env, config: Option<Unknown>) -> napi::Result<Self> {
        let js = Js::new(&env);
        json::options::<ValidatorConfig>(js, json::opt(&config), "config")
            .and_then(EmailValidator::new)
            .map(|inner| JsEmailValidator { inner })
            .or_throw(js)
    }

    /// Validates a draft (`{kind, to, subject, body, recipient}`).
    #[napi(ts_args_type = "draft: Draft", ts_return_type = "Verdict")]
    pub fn validate(&self, env: Env, draft: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let draft: Draft = json::parse(js, draft.raw(), "draft").or_throw(js)?;
        let verdict = self.inner.validate(&draft);
        verdict_to_js(js, &verdict, Some(&draft.body)).map(RawValue::new)
    }

    /// Validates a draft written for a job order (pay and shift checks too).
    #[napi(
        ts_args_type = "draft: Draft, order: JobOrder",
        ts_return_type = "Verdict"
    )]
    pub fn validate_for_job(
        &self,
        env: Env,
        draft: Unknown,
        order: Unknown,
    ) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let (draft, order) = (|| {
            Ok::<_, Error>((
                json::parse::<Draft>(js, draft.raw(), "draft")?,
                json::parse::<JobOrder>(js, order.raw(), "order")?,
            ))
        })()
        .or_throw(js)?;
        let verdict = self.inner.validate_for_job(&draft, &order);
        verdict_to_js(js, &verdict, Some(&draft.body)).map(RawValue::new)
    }
}

/// Checks fill proposals against the roster (status, certifications, availability,
/// hours, do-not-return lists).
#[napi(js_name = "FillValidator")]
pub struct JsFillValidator {
    inner: FillValidator,
}

#[napi]
impl JsFillValidator {
    /// A validator with `config` and a roster of `workers`, their current
    /// `assignments` and `do_not_return` lists (`{client: [worker ids]}`).
    #[napi(
        constructor,
        ts_args_type = "config: ValidatorConfig | null | undefined, roster: { workers: Worker[]; assignments?: Assignment[]; do_not_return?: Record<string, string[]> }"
    )]
    pub fn new(env: Env, config: Option<Unknown>, roster: Unknown) -> napi::Result<Self> {
        let js = Js::new(&env);
        (|| {
            let config = json::options::<ValidatorConfig>(js, json::opt(&config), "config")?;
            let r = roster.raw();
            json::options_object(js, Some(r), "roster")?.ok_or_else(|| {
                Error::invalid("roster must be an object { workers, assignments?, do_not_return? }")
            })?;
            let workers: Vec<Worker> = match json::field(js, r, "workers", "roster")? {
                Some(w) => json::parse(js, w, "roster.workers")?,
                None => return Err(Error::invalid("roster.workers is required")),
            };
            let assignments: Vec<Assignment> = json::parse_or_default(
                js,
                json::field(js, r, "assignments", "roster")?,
                "roster.assignments",
            )?;
            let dnr: std::collections::BTreeMap<String, Vec<String>> = json::parse_or_default(
                js,
                json::field(js, r, "do_not_return", "roster")?,
                "roster.do_not_return",
            )?;
            let mut roster = Roster::new(workers).with_assignments(assignments);
            for (client, ids) in &dnr {
                for id in ids {
                    roster.add_do_not_return(client, id);
                }
            }
            FillValidator::new(config, roster)
        })()
        .map(|inner| JsFillValidator { inner })
        .or_throw(js)
    }

    /// Validates `proposal` (`{order_id, worker_ids}`) for `order`.
    #[napi(
        ts_args_type = "order: JobOrder, proposal: Proposal",
        ts_return_type = "Verdict"
    )]
    pub fn validate(&self, env: Env, order: Unknown, proposal: Unknown) -> napi::Result<RawValue> {
        let js = Js::new(&env);
        let (order, proposal) = (|| {
            Ok::<_, Error>((
                json::parse::<JobOrder>(js, order.raw(), "order")?,
                json::parse::<Proposal>(js, proposal.raw(), "proposal")?,
            ))
        })()
        .or_throw(js)?;
        verdict_to_js(js, &self.inner.validate(&order, &proposal), None).map(RawValue::new)
    }

    /// Books a worker for a shift (later proposals see it).
    #[napi(ts_args_type = "assignment: Assignment")]
    pub fn assign(&self, env: Env, assignment: Unknown) -> napi::Result<()> {
        let js = Js::new(&env);
        json::parse::<Assignment>(js, assignment.raw(), "assignment")
            .and_then(|a| self.inner.assign(a))
            .or_throw(js)
    }

    /// Adds a worker to a client's do-not-return list.
    #[napi(ts_args_type = "client: string, workerId: string")]
    pub fn add_do_not_return(
        &self,
        env: Env,
        client: Unknown,
        worker_id: Unknown,
    ) -> napi::Result<()> {
        let js = Js::new(&env);
        let (c, w) = (|| {
            Ok::<_, Error>((
                json::string(js, client.raw(), "client")?,
                json::string(js, worker_id.raw(), "workerId")?,
            ))
        })()
        .or_throw(js)?;
        self.inner.add_do_not_return(&c, &w);
        Ok(())
    }

    /// Workers on the roster.
    #[napi]
    pub fn roster_size(&self) -> u32 {
        self.inner.roster_len() as u32
    }
}

/// SMS encoding, units and segments of `text` (GSM 03.38 / UCS-2).
#[napi(
    js_name = "smsSegments",
    ts_args_type = "text: string",
    ts_return_type = "SegmentInfo"
)]
pub fn sms_segments_js(env: Env, text: Unknown) -> napi::Result<RawValue> {
    let js = Js::new(&env);
    let text = json::string(js, text.raw(), "text").or_throw(js)?;
    json::ser(js, &sms_segments(&text)).map(RawValue::new)
}
