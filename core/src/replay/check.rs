//! The validate stage: model reply → draft or proposal → validator → logged verdict.

use super::case::{CaseKind, ReplayCase};
use super::parse::{parse_email, parse_proposal, parse_sms, MALFORMED_PROPOSAL};
use super::record::{RunVerdict, RunViolation};
use crate::corpus::Worker;
use crate::error::{Error, Result};
use crate::validate::{
    Draft, DraftKind, EmailValidator, FillValidator, Proposal, Roster, ValidatorConfig, Verdict,
};

/// Both validators, built once per runner.
#[derive(Debug, Clone)]
pub(crate) struct Checks {
    email: EmailValidator,
    fill: FillValidator,
}

impl Checks {
    pub(crate) fn new(config: ValidatorConfig, roster: Roster) -> Result<Self> {
        Ok(Checks {
            email: EmailValidator::new(config.clone())?,
            fill: FillValidator::new(config, roster)?,
        })
    }

    /// Judges `reply` for `case`. `Err` only for a case whose job order does not parse
    /// (bad input, not a model failure).
    pub(crate) fn check(
        &self,
        case: &ReplayCase,
        recipient: Option<&Worker>,
        reply: &str,
    ) -> Result<RunVerdict> {
        match case.kind {
            CaseKind::Email | CaseKind::Sms => Ok(self.check_draft(case.kind, recipient, reply)),
            CaseKind::Fill => self.check_fill(case, reply),
        }
    }

    fn check_draft(&self, kind: CaseKind, recipient: Option<&Worker>, reply: &str) -> RunVerdict {
        let (kind, to, subject, body) = if kind == CaseKind::Email {
            let parts = parse_email(reply);
            let to = recipient.map(|r| r.email.clone()).unwrap_or_default();
            (
                DraftKind::Email,
                to,
                Some(parts.subject.unwrap_or_default()),
                parts.body,
            )
        } else {
            let to = recipient.map(|r| r.phone.clone()).unwrap_or_default();
            (DraftKind::Sms, to, None, parse_sms(reply))
        };
        let draft = Draft {
            kind,
            to,
            subject,
            body,
            recipient: recipient.cloned(),
        };
        to_run_verdict(&self.email.validate(&draft))
    }

    fn check_fill(&self, case: &ReplayCase, reply: &str) -> Result<RunVerdict> {
        let order = case.job_order.as_ref().ok_or_else(|| {
            Error::invalid(format!("fill case '{}' has no job_order", case.case_id))
        })?;
        let worker_ids = match parse_proposal(reply) {
            Ok(ids) => ids,
            Err(reason) => {
                return Ok(RunVerdict {
                    ok: false,
                    violations: vec![RunViolation {
                        code: MALFORMED_PROPOSAL.to_string(),
                        severity: "error".into(),
                        message: format!("the fill proposal cannot be read: {reason}"),
                        worker_id: None,
                        span: None,
                    }],
                })
            }
        };
        // Models rarely repeat the order id; the proposal answers the case's order.
        let proposal = Proposal {
            order_id: order.order_id.clone(),
            worker_ids,
        };
        Ok(to_run_verdict(&self.fill.validate(order, &proposal)))
    }
}

fn to_run_verdict(v: &Verdict) -> RunVerdict {
    RunVerdict {
        ok: v.ok,
        violations: v
            .violations
            .iter()
            .map(|x| RunViolation {
                code: x.code.as_str().to_string(),
                severity: x.severity.as_str().to_string(),
                message: x.message.clone(),
                worker_id: x.worker_id.clone(),
                span: x.span,
            })
            .collect(),
    }
}
