//! Cases from the evidence index: `generation` records of the draft and proposal
//! transforms, read in their `evidence_record.v1` JSON shape (`schemas/evidence_record.v1.json`).
//!
//! The materializer's `email_draft`, `sms_draft` and `fill_proposal` transforms record
//! the recipient in `worker_ids`, the original prompt in `input.prompt` and the
//! validator outcome as `label` (`valid` / `invalid`). A fill record names its order
//! only by `order_id`, so fill cases need the job orders passed in (or a
//! `job_order` object in `input` / `metadata`). Records carry no retrieval query; the
//! runner then searches by the recipient's (or order's) role and location.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::case::{CaseKind, Label, ReplayCase};
use crate::error::{Error, Result};
use crate::validate::JobOrder;

/// An evidence record that matched a case transform but could not become a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEvidence {
    /// Evidence id (`""` when the record had none).
    pub id: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Cases read from evidence, with what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceCases {
    /// One case per usable generation record, in input order.
    pub cases: Vec<ReplayCase>,
    /// Draft/proposal records that could not be replayed (e.g. fill without its order).
    pub skipped: Vec<SkippedEvidence>,
    /// Records of other kinds or transforms (searches, outcomes, …).
    pub ignored: usize,
}

/// Turns one evidence record into a case.
///
/// `Ok(None)` for records that are not `generation` records of `email_draft`,
/// `sms_draft` or `fill_proposal`; `Err` for such a record that cannot be replayed.
/// `orders` supplies job orders by id for fill records.
///
/// ```
/// use std::collections::HashMap;
/// let rec = serde_json::json!({"id": "ev-1", "kind": "generation", "transform": "sms_draft",
///     "task": "sms_outreach", "input": {"prompt": "Text Ana about Tuesday"},
///     "worker_ids": ["w-1"], "label": "valid"});
/// let case = lakehouse::replay::case_from_evidence_json(&rec, &HashMap::new()).unwrap().unwrap();
/// assert_eq!(case.recipient.as_deref(), Some("w-1"));
/// assert_eq!(case.original_label, Some(lakehouse::replay::Label::Pass));
/// ```
pub fn case_from_evidence_json(
    record: &serde_json::Value,
    orders: &HashMap<String, JobOrder>,
) -> Result<Option<ReplayCase>> {
    let field = |name: &str| record.get(name).filter(|v| !v.is_null());
    let text = |name: &str| field(name).and_then(|v| v.as_str()).map(str::to_string);
    if text("kind").as_deref() != Some("generation") {
        return Ok(None);
    }
    let kind = match text("transform").as_deref() {
        Some("email_draft") => CaseKind::Email,
        Some("sms_draft") => CaseKind::Sms,
        Some("fill_proposal") => CaseKind::Fill,
        _ => return Ok(None),
    };
    let id = text("id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid("evidence record without an id"))?;
    let input = field("input");
    let metadata = field("metadata");
    let lookup = |key: &str| {
        input
            .and_then(|i| i.get(key))
            .or_else(|| metadata.and_then(|m| m.get(key)))
            .filter(|v| !v.is_null())
    };
    let lookup_text = |key: &str| lookup(key).and_then(|v| v.as_str()).map(str::to_string);

    let query = lookup_text("query").unwrap_or_default();
    let task = lookup_text("task")
        .or_else(|| lookup_text("prompt"))
        .or_else(|| {
            let name = text("task")?;
            Some(match lookup_text("template") {
                Some(t) => format!("{name} (template {t})"),
                None => name,
            })
        })
        .unwrap_or_default();
    let recipient = match kind {
        CaseKind::Fill => None,
        _ => lookup_text("recipient")
            .or_else(|| lookup_text("worker_id"))
            .or_else(|| {
                field("worker_ids")
                    .and_then(|w| w.get(0))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            }),
    };
    let job_order = match kind {
        CaseKind::Fill => Some(fill_order(
            &id,
            lookup("job_order"),
            text("order_id"),
            orders,
        )?),
        _ => None,
    };
    let case = ReplayCase {
        case_id: id,
        kind,
        query,
        task,
        recipient,
        job_order,
        original_label: field("label").and_then(Label::from_json),
    };
    case.check()?;
    Ok(Some(case))
}

fn fill_order(
    id: &str,
    inline: Option<&serde_json::Value>,
    order_id: Option<String>,
    orders: &HashMap<String, JobOrder>,
) -> Result<JobOrder> {
    if let Some(v) = inline {
        return serde_json::from_value(v.clone()).map_err(|e| {
            Error::invalid(format!("evidence '{id}': job_order does not parse: {e}"))
        });
    }
    match order_id {
        Some(o) => orders.get(&o).cloned().ok_or_else(|| {
            Error::invalid(format!(
                "fill evidence '{id}' is for order '{o}', which is not among the job orders given"
            ))
        }),
        None => Err(Error::invalid(format!(
            "fill evidence '{id}' names no order_id and carries no job_order"
        ))),
    }
}

/// Cases from evidence records (any order of records; non-case records are counted in
/// `ignored`, unusable case records listed in `skipped`).
pub fn cases_from_evidence(records: &[serde_json::Value], orders: Vec<JobOrder>) -> EvidenceCases {
    let orders: HashMap<String, JobOrder> = orders
        .into_iter()
        .map(|o| (o.order_id.clone(), o))
        .collect();
    let mut out = EvidenceCases {
        cases: Vec::new(),
        skipped: Vec::new(),
        ignored: 0,
    };
    for r in records {
        match case_from_evidence_json(r, &orders) {
            Ok(Some(c)) => out.cases.push(c),
            Ok(None) => out.ignored += 1,
            Err(e) => out.skipped.push(SkippedEvidence {
                id: r
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                reason: e.to_string(),
            }),
        }
    }
    out
}

/// Reads evidence records written as JSONL (one `evidence_record.v1` per line, e.g.
/// `COPY (SELECT * FROM 'evidence/**/*.parquet') TO 'evidence.jsonl'` in DuckDB) and
/// turns them into cases. A line that is not JSON is an error naming the line.
pub fn load_evidence_jsonl(path: impl AsRef<Path>, orders: Vec<JobOrder>) -> Result<EvidenceCases> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut records = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| Error::invalid(format!("{} line {}: {e}", path.display(), i + 1)))?;
        records.push(v);
    }
    Ok(cases_from_evidence(&records, orders))
}

/// Reads the committed evidence index under `out_dir` (the materializer's output
/// directory, holding `evidence/day=…/part-….parquet`) and turns its generation
/// records into cases.
pub fn load_evidence_index(
    out_dir: impl AsRef<Path>,
    orders: Vec<JobOrder>,
) -> Result<EvidenceCases> {
    let records = crate::materialize::read_evidence(out_dir)?
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(cases_from_evidence(&records, orders))
}
