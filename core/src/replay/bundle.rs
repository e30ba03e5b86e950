//! The bundle stage: system prompt + retrieved worker cards + task, within a token budget.
//!
//! Token counts here are an estimate ([`estimate_tokens`], see `tokens.rs`). It only
//! decides what fits; the chat server's own counts are what the replay log records when
//! the server reports them.
//!
//! When the cards do not fit, the lowest-ranked cards are dropped first and their ids
//! recorded in [`Bundle::dropped_ids`]. The recipient's card is never dropped.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::case::{CaseKind, ReplayCase};
use super::chat::ChatMessage;
use super::tokens::estimate_tokens;
use crate::corpus::Worker;
use crate::error::{Error, Result};
use crate::validate::JobOrder;

/// Whose phone numbers go into worker cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhonePolicy {
    /// No phone numbers at all.
    Never,
    /// Only the recipient's own number: the one contact a draft may carry
    /// (`PII_OTHER_CONTACT` flags any other worker's phone).
    #[default]
    RecipientOnly,
    /// Every card shows its phone.
    All,
}

/// Bundle settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BundleConfig {
    /// Budget for system + user message, in estimated tokens.
    pub max_prompt_tokens: u64,
    /// Whose phone numbers the cards show.
    pub phone_policy: PhonePolicy,
    /// Agency name the prompts sign with (empty: not mentioned).
    pub agency_name: String,
    /// Agency postal address for email footers (empty: not mentioned).
    pub agency_address: String,
}

impl Default for BundleConfig {
    fn default() -> Self {
        BundleConfig {
            max_prompt_tokens: 2_048,
            phone_policy: PhonePolicy::default(),
            agency_name: String::new(),
            agency_address: String::new(),
        }
    }
}

/// The prompt sent to the model for one case, with what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// System message then user message.
    pub messages: Vec<ChatMessage>,
    /// Estimated prompt tokens ([`estimate_tokens`] over both messages).
    pub estimated_tokens: u64,
    /// Worker ids whose cards are in the prompt, recipient first, then by rank.
    pub included_ids: Vec<String>,
    /// Worker ids dropped to fit the budget, highest-ranked first.
    pub dropped_ids: Vec<String>,
    /// Hex SHA-256 of the messages as JSON: equal prompts hash equal across runs.
    pub prompt_sha256: String,
}

/// The card line for one worker: id, name, role, city, status, certifications and,
/// when `with_phone`, the phone.
pub fn worker_card(w: &Worker, with_phone: bool) -> String {
    let certs: Vec<String> = w
        .certifications
        .iter()
        .map(|c| match c.expires {
            Some(d) => format!("{} (expires {d})", c.name),
            None => c.name.clone(),
        })
        .collect();
    let certs = if certs.is_empty() {
        "none".to_string()
    } else {
        certs.join("; ")
    };
    let mut line = format!(
        "- id: {} | name: {} | role: {} | city: {}, {} | status: {} | certifications: {}",
        w.worker_id,
        w.full_name(),
        w.role,
        w.city,
        w.state,
        w.status.as_str(),
        certs
    );
    if with_phone {
        line.push_str(" | phone: ");
        line.push_str(&w.phone);
    }
    line
}

/// The job order as the prompt shows it.
fn job_order_text(o: &JobOrder) -> String {
    let certs = if o.required_certs.is_empty() {
        "none".to_string()
    } else {
        o.required_certs.join("; ")
    };
    format!(
        "Job order {}: client {}, {} x {} in {}, {}, shift {} to {}, pay ${:.2}/h, required certifications: {}\n",
        o.order_id, o.client, o.headcount, o.role, o.city, o.state, o.shift_start, o.shift_end, o.pay_rate, certs
    )
}

fn system_prompt(kind: CaseKind, cfg: &BundleConfig) -> String {
    let agency = if cfg.agency_name.is_empty() {
        "a staffing agency".to_string()
    } else {
        format!("{}, a staffing agency", cfg.agency_name)
    };
    let common = "Never include Social Security numbers, bank or card numbers, dates of \
                  birth, or any other worker's contact details. Do not leave template \
                  placeholders. Use neutral language that does not screen by age, sex, \
                  origin, religion, disability or pregnancy.";
    match kind {
        CaseKind::Email => {
            let address = if cfg.agency_address.is_empty() {
                String::new()
            } else {
                format!(
                    " End with the agency's postal address: {}.",
                    cfg.agency_address
                )
            };
            format!(
                "You write outreach emails for {agency} to one worker. Reply with the email \
                 only: the first line is `Subject: <subject>`, then a blank line, then the \
                 body. Greet the recipient by name and include an unsubscribe line.{address} \
                 {common}"
            )
        }
        CaseKind::Sms => format!(
            "You write outreach text messages for {agency} to one worker. Reply with the \
             message text only: at most 160 plain characters (no emoji, no curly quotes), \
             name the agency, and end with \"Reply STOP to opt out\". {common}"
        ),
        CaseKind::Fill => format!(
            "You propose workers for {agency}'s job orders. Choose from the worker cards only: \
             active workers in the order's state and role holding every required, unexpired \
             certification, no more than the headcount. Reply with only a JSON object \
             {{\"worker_ids\": [\"<id>\", ...]}} and nothing else."
        ),
    }
}

/// Builds the prompt for `case` from the recipient (email/SMS) and the retrieved workers
/// in rank order (best first).
///
/// Fails with [`Error::InvalidInput`] when even the prompt without any droppable card
/// exceeds `config.max_prompt_tokens`.
pub fn build_bundle(
    config: &BundleConfig,
    case: &ReplayCase,
    recipient: Option<&Worker>,
    ranked: &[Worker],
) -> Result<Bundle> {
    let system = system_prompt(case.kind, config);
    let with_phone_all = config.phone_policy == PhonePolicy::All;
    let with_phone_recipient = config.phone_policy != PhonePolicy::Never;

    let mut head = String::new();
    if !case.task.trim().is_empty() {
        head.push_str(&format!("Task: {}\n", case.task.trim()));
    }
    if let Some(r) = recipient {
        head.push_str("Recipient:\n");
        head.push_str(&worker_card(r, with_phone_recipient));
        head.push('\n');
    } else if let Some(id) = &case.recipient {
        head.push_str(&format!("Recipient: worker {id} (no card on file)\n"));
    }
    if let Some(order) = &case.job_order {
        head.push_str(&job_order_text(order));
    }
    if !case.query.trim().is_empty() {
        head.push_str(&format!("Search query: {}\n", case.query.trim()));
    }
    let cards_title = "Worker cards (best match first):\n";

    let recipient_id = recipient.map(|r| r.worker_id.as_str());
    let cards: Vec<(&str, String)> = ranked
        .iter()
        .filter(|w| Some(w.worker_id.as_str()) != recipient_id)
        .map(|w| (w.worker_id.as_str(), worker_card(w, with_phone_all)))
        .collect();

    // Budget in characters, because the estimate is chars / 4 over the whole prompt.
    let budget_chars = config.max_prompt_tokens.saturating_mul(4);
    let fixed = (system.chars().count() + head.chars().count()) as u64;
    if fixed > budget_chars {
        return Err(Error::invalid(format!(
            "case '{}': the prompt needs about {} tokens without any worker card; the budget is {}",
            case.case_id,
            fixed.div_ceil(4),
            config.max_prompt_tokens
        )));
    }
    let card_cost = |line: &String| line.chars().count() as u64 + 1;
    let mut keep = cards.len();
    let title_cost = |n: usize| {
        if n > 0 {
            cards_title.chars().count() as u64
        } else {
            0
        }
    };
    let mut total = fixed + title_cost(keep) + cards.iter().map(|(_, l)| card_cost(l)).sum::<u64>();
    while keep > 0 && total > budget_chars {
        keep -= 1;
        total -= card_cost(&cards[keep].1);
        if keep == 0 {
            total -= title_cost(1);
        }
    }

    let mut user = head;
    if keep > 0 {
        user.push_str(cards_title);
        for (_, line) in &cards[..keep] {
            user.push_str(line);
            user.push('\n');
        }
    }
    let messages = vec![ChatMessage::system(system), ChatMessage::user(user)];
    let estimated_tokens =
        estimate_tokens(&messages[0].content) + estimate_tokens(&messages[1].content);
    let mut included_ids: Vec<String> =
        recipient.map(|r| r.worker_id.clone()).into_iter().collect();
    included_ids.extend(cards[..keep].iter().map(|(id, _)| id.to_string()));
    let dropped_ids = cards[keep..].iter().map(|(id, _)| id.to_string()).collect();
    let prompt_sha256 = prompt_hash(&messages)?;
    Ok(Bundle {
        messages,
        estimated_tokens,
        included_ids,
        dropped_ids,
        prompt_sha256,
    })
}

/// Hex SHA-256 of the messages serialised as JSON.
pub fn prompt_hash(messages: &[ChatMessage]) -> Result<String> {
    let bytes = serde_json::to_vec(messages)?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Certification, WorkerStatus};

    pub(crate) fn worker(id: &str, first: &str) -> Worker {
        Worker {
            worker_id: id.into(),
            first_name: first.into(),
            last_name: "Rivera".into(),
            phone: "555-201-0000".into(),
            email: format!("{id}@example.com"),
            city: "Dayton".into(),
            state: "OH".into(),
            zip: "45402".into(),
            role: "forklift operator".into(),
            skills: vec!["forklift".into()],
            certifications: vec![Certification {
                name: "Forklift".into(),
                expires: None,
            }],
            years_experience: 3,
            hourly_rate: 19.5,
            availability: vec![],
            status: WorkerStatus::Active,
            rating: 4.5,
            summary: String::new(),
        }
    }

    fn case(kind: CaseKind) -> ReplayCase {
        ReplayCase {
            case_id: "c-1".into(),
            kind,
            query: "forklift Dayton".into(),
            task: "Offer a Tuesday shift".into(),
            recipient: Some("w-0".into()),
            job_order: None,
            original_label: None,
        }
    }

    #[test]
    fn fits_everything_under_a_large_budget() {
        let ranked: Vec<Worker> = (0..5).map(|i| worker(&format!("w-{i}"), "Ana")).collect();
        let b = build_bundle(
            &BundleConfig::default(),
            &case(CaseKind::Sms),
            Some(&ranked[0]),
            &ranked,
        )
        .unwrap();
        assert_eq!(b.included_ids, ["w-0", "w-1", "w-2", "w-3", "w-4"]);
        assert!(b.dropped_ids.is_empty());
        assert!(b.estimated_tokens <= 2048);
        // Recipient-only policy: exactly one phone in the prompt.
        assert_eq!(b.messages[1].content.matches("phone:").count(), 1);
        assert_eq!(b.prompt_sha256.len(), 64);
    }

    #[test]
    fn drops_lowest_ranked_first_and_keeps_the_recipient() {
        let ranked: Vec<Worker> = (0..20).map(|i| worker(&format!("w-{i}"), "Ana")).collect();
        let full = build_bundle(
            &BundleConfig::default(),
            &case(CaseKind::Email),
            Some(&ranked[0]),
            &ranked,
        )
        .unwrap();
        let cfg = BundleConfig {
            max_prompt_tokens: full.estimated_tokens - 100,
            ..Default::default()
        };
        let b = build_bundle(&cfg, &case(CaseKind::Email), Some(&ranked[0]), &ranked).unwrap();
        assert!(
            b.estimated_tokens <= cfg.max_prompt_tokens,
            "{} > {}",
            b.estimated_tokens,
            cfg.max_prompt_tokens
        );
        assert!(!b.dropped_ids.is_empty());
        assert_eq!(b.included_ids[0], "w-0");
        let last_kept: usize = b.included_ids.last().unwrap()[2..].parse().unwrap();
        let first_dropped: usize = b.dropped_ids[0][2..].parse().unwrap();
        assert_eq!(first_dropped, last_kept + 1);
        assert_eq!(b.included_ids.len() + b.dropped_ids.len(), 20);
    }

    #[test]
    fn too_small_a_budget_is_an_error() {
        let cfg = BundleConfig {
            max_prompt_tokens: 10,
            ..Default::default()
        };
        let e = build_bundle(&cfg, &case(CaseKind::Sms), None, &[]).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
    }

    #[test]
    fn phone_policy_never_and_all() {
        let ranked: Vec<Worker> = (0..3).map(|i| worker(&format!("w-{i}"), "Ana")).collect();
        for (policy, phones) in [(PhonePolicy::Never, 0), (PhonePolicy::All, 3)] {
            let cfg = BundleConfig {
                phone_policy: policy,
                ..Default::default()
            };
            let b = build_bundle(&cfg, &case(CaseKind::Sms), Some(&ranked[0]), &ranked).unwrap();
            assert_eq!(b.messages[1].content.matches("phone:").count(), phones);
        }
    }

    #[test]
    fn fill_prompt_asks_for_json() {
        let mut c = case(CaseKind::Fill);
        c.recipient = None;
        c.job_order = Some(
            serde_json::from_value(serde_json::json!({
                "order_id": "o-1", "client": "Acme", "city": "Dayton", "state": "OH",
                "role": "forklift operator", "headcount": 2, "shift_start": "2026-12-01T07:00:00",
                "shift_end": "2026-12-01T15:00:00", "pay_rate": 19.0, "required_certs": ["Forklift"]
            }))
            .unwrap(),
        );
        let b = build_bundle(&BundleConfig::default(), &c, None, &[worker("w-1", "Bo")]).unwrap();
        assert!(b.messages[0].content.contains("\"worker_ids\""));
        assert!(b.messages[1].content.contains("o-1"));
        assert_eq!(b.included_ids, ["w-1"]);
    }
}
