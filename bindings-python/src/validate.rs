//! Validators: outreach drafts, fill proposals, SMS segments. Pure microsecond calls,
//! so they keep the GIL.

use lakehouse::validate::{
    sms_segments as core_sms_segments, Assignment, Draft, EmailValidator, FillValidator, JobOrder,
    Proposal, Roster, ValidatorConfig, Verdict,
};
use lakehouse::Worker;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::IntoPy;
use crate::json::{de, kwargs_object, options, ser};

fn validator_config(
    config: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<ValidatorConfig> {
    options(kwargs_object(config, kwargs)?)
}

/// A verdict as a dict; each violation with a `span` (UTF-8 byte offsets into `body`,
/// the wire format) also gets `char_span`, the same range in Python string indices, so
/// `body[start:end]` slices the offending text.
fn verdict<'py>(py: Python<'py>, v: &Verdict, body: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    let out = ser(py, v)?;
    let Some(body) = body else { return Ok(out) };
    let violations = out.get_item("violations")?;
    for (viol, core) in violations.try_iter()?.zip(&v.violations) {
        let viol = viol?;
        if let Some(span) = core.span {
            let chars = span.char_range(body).map_err(crate::error::err)?;
            viol.set_item("char_span", (chars.start, chars.end))?;
        }
    }
    Ok(out)
}

/// Checks email and SMS drafts (`Draft` shape: kind, to, subject, body, recipient).
/// Takes a `ValidatorConfig` dict and/or its fields as keyword arguments.
#[pyclass(name = "EmailValidator", module = "lakehouse._lakehouse", frozen)]
pub struct PyEmailValidator {
    inner: EmailValidator,
}

#[pymethods]
impl PyEmailValidator {
    #[new]
    #[pyo3(signature = (config = None, **kwargs))]
    fn new(
        config: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Ok(PyEmailValidator {
            inner: EmailValidator::new(validator_config(config, kwargs)?).py()?,
        })
    }

    /// The verdict on `draft`: `{"ok", "violations": [{"code", "severity", "message",
    /// "span", "char_span", "worker_id"}]}`.
    fn validate<'py>(
        &self,
        py: Python<'py>,
        draft: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d: Draft = de(draft, "draft")?;
        verdict(py, &self.inner.validate(&d), Some(&d.body))
    }

    /// The verdict on `draft` written for `job` (pay and role checks against the order).
    fn validate_for_job<'py>(
        &self,
        py: Python<'py>,
        draft: &Bound<'py, PyAny>,
        job: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d: Draft = de(draft, "draft")?;
        let j: JobOrder = de(job, "job order")?;
        verdict(py, &self.inner.validate_for_job(&d, &j), Some(&d.body))
    }

    /// The configuration in use (`ValidatorConfig` shape).
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ser(py, self.inner.config())
    }
}

/// Checks fill proposals against a roster: availability, certifications, double
/// booking, do-not-return lists, pay floor.
#[pyclass(name = "FillValidator", module = "lakehouse._lakehouse", frozen)]
pub struct PyFillValidator {
    inner: FillValidator,
}

#[pymethods]
impl PyFillValidator {
    /// `workers`: worker dicts; `assignments`: booked shifts; `do_not_return`:
    /// `{client: [worker_id, …]}`.
    #[new]
    #[pyo3(signature = (config = None, workers = None, assignments = None, do_not_return = None))]
    fn new(
        config: Option<&Bound<'_, PyAny>>,
        workers: Option<&Bound<'_, PyAny>>,
        assignments: Option<&Bound<'_, PyAny>>,
        do_not_return: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cfg = validator_config(config, None)?;
        let workers: Vec<Worker> = crate::json::de_opt(workers, "workers")?.unwrap_or_default();
        let assignments: Vec<Assignment> =
            crate::json::de_opt(assignments, "assignments")?.unwrap_or_default();
        let dnr: std::collections::BTreeMap<String, Vec<String>> =
            crate::json::de_opt(do_not_return, "do_not_return")?.unwrap_or_default();
        let mut roster = Roster::new(workers).with_assignments(assignments);
        for (client, ids) in &dnr {
            for id in ids {
                roster.add_do_not_return(client, id);
            }
        }
        Ok(PyFillValidator {
            inner: FillValidator::new(cfg, roster).py()?,
        })
    }

    /// The verdict on `proposal` (`{"order_id", "worker_ids"}`) for `order` (`JobOrder`).
    fn validate<'py>(
        &self,
        py: Python<'py>,
        order: &Bound<'py, PyAny>,
        proposal: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let o: JobOrder = de(order, "job order")?;
        let p: Proposal = de(proposal, "proposal")?;
        verdict(py, &self.inner.validate(&o, &p), None)
    }

    /// Books a shift (`Assignment` shape), seen by later validations.
    fn assign(&self, assignment: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.assign(de(assignment, "assignment")?).py()
    }

    /// Adds `worker_id` to `client`'s do-not-return list.
    fn add_do_not_return(&self, client: &str, worker_id: &str) {
        self.inner.add_do_not_return(client, worker_id)
    }

    fn __len__(&self) -> usize {
        self.inner.roster_len()
    }
}

/// SMS segmentation of `text`: `{"encoding", "segments", "units", …}`.
#[pyfunction]
pub fn sms_segments<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    ser(py, &core_sms_segments(text))
}
