//! Replay cases: what to re-run, loaded from a JSONL cases file or from evidence records.
//!
//! A cases file holds one [`ReplayCase`] per line:
//!
//! ```json
//! {"case_id":"c-1","kind":"sms","query":"forklift operator Dayton","task":"Offer a Tuesday shift","recipient":"w-000017","original_label":"pass"}
//! {"case_id":"c-2","kind":"fill","query":"CNA Columbus","task":"Fill order o-9","job_order":{"order_id":"o-9", "...": "..."}}
//! ```
//!
//! `original_label` accepts `"pass"`, `"fail"`, `true`, `false` or `null`.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validate::JobOrder;

pub use crate::journal::events::{CaseKind, Label};

/// One recorded case to re-run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayCase {
    /// Stable id, unique within a case set.
    pub case_id: String,
    /// Email, SMS or fill.
    pub kind: CaseKind,
    /// Retrieval query (e.g. "forklift operator Dayton OH").
    pub query: String,
    /// Task instructions for the model.
    #[serde(default)]
    pub task: String,
    /// Recipient worker id (email and SMS cases).
    #[serde(default)]
    pub recipient: Option<String>,
    /// The job order to fill (fill cases).
    #[serde(default)]
    pub job_order: Option<JobOrder>,
    /// Whether the original output passed.
    #[serde(default)]
    pub original_label: Option<Label>,
}

impl ReplayCase {
    /// Checks the fields a kind needs: a non-empty id and query, a job order for fill
    /// cases. Email and SMS cases may lack a recipient (the draft is then checked
    /// without recipient rules).
    pub fn check(&self) -> Result<()> {
        if self.case_id.trim().is_empty() {
            return Err(Error::invalid("case_id must not be empty"));
        }
        if self.query.trim().is_empty() && self.task.trim().is_empty() {
            return Err(Error::invalid(format!(
                "case '{}' has neither a query nor a task",
                self.case_id
            )));
        }
        if self.kind == CaseKind::Fill && self.job_order.is_none() {
            return Err(Error::invalid(format!(
                "fill case '{}' has no job_order",
                self.case_id
            )));
        }
        Ok(())
    }

    /// Parses one JSONL line (1-based `line_no` for the message).
    fn from_line(line: &str, line_no: usize, origin: &str) -> Result<ReplayCase> {
        let case: ReplayCase = serde_json::from_str(line)
            .map_err(|e| Error::invalid(format!("{origin} line {line_no}: {e}")))?;
        case.check()
            .map_err(|e| Error::invalid(format!("{origin} line {line_no}: {e}")))?;
        Ok(case)
    }
}

/// Reads a JSONL cases file. Blank lines are skipped; a malformed line or a repeated
/// `case_id` is an [`Error::InvalidInput`] naming the line. Nothing is returned unless
/// every line is good.
pub fn load_cases_jsonl(path: impl AsRef<Path>) -> Result<Vec<ReplayCase>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_cases(std::io::BufReader::new(file), &path.display().to_string())
}

/// Reads cases from JSONL text (same rules as [`load_cases_jsonl`]).
///
/// ```
/// let text = r#"{"case_id":"c-1","kind":"sms","query":"forklift Dayton","recipient":"w-1","original_label":"pass"}"#;
/// let cases = lakehouse::replay::parse_cases_jsonl(text).unwrap();
/// assert_eq!(cases[0].kind, lakehouse::replay::CaseKind::Sms);
/// assert!(lakehouse::replay::parse_cases_jsonl("{\n").is_err());
/// ```
pub fn parse_cases_jsonl(text: &str) -> Result<Vec<ReplayCase>> {
    read_cases(std::io::Cursor::new(text), "cases")
}

fn read_cases(reader: impl BufRead, origin: &str) -> Result<Vec<ReplayCase>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| Error::io(origin, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let case = ReplayCase::from_line(&line, line_no, origin)?;
        if !seen.insert(case.case_id.clone()) {
            return Err(Error::invalid(format!(
                "{origin} line {line_no}: case_id '{}' appears twice",
                case.case_id
            )));
        }
        out.push(case);
    }
    Ok(out)
}
