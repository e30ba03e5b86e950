//! The six scenarios of SPEC §3, each a function that runs one coordinator workflow and
//! returns `Err(reason)` when anything SPEC §3 says must hold does not.

use lakehouse::index::Filter;
use lakehouse::retrieve::{PlaybookOutcome, RetrievedHit, SearchRequest, SearchResponse};
use lakehouse::validate::{Proposal, Verdict};
use lakehouse::Worker;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::drafts;
use super::{Env, Spec};

/// Results asked for in every search.
const K: usize = 10;

type Run = fn(&Env, &mut ChaCha8Rng) -> Result<(), String>;

/// One scenario of the mix.
pub struct Scenario {
    pub name: &'static str,
    pub weight: u32,
    pub run: Run,
}

/// The mix, with the seed's weights (percent).
pub const SCENARIOS: [Scenario; 6] = [
    Scenario {
        name: "cold_search_email",
        weight: 35,
        run: cold_search_email,
    },
    Scenario {
        name: "surge_fill_validate",
        weight: 15,
        run: surge_fill_validate,
    },
    Scenario {
        name: "profile_swap",
        weight: 15,
        run: profile_swap,
    },
    Scenario {
        name: "repeat_cache",
        weight: 15,
        run: repeat_cache,
    },
    Scenario {
        name: "sms_validate",
        weight: 10,
        run: sms_validate,
    },
    Scenario {
        name: "playbook_record_replay",
        weight: 10,
        run: playbook_record_replay,
    },
];

fn spec<'a>(env: &'a Env, rng: &mut ChaCha8Rng) -> &'a Spec {
    &env.specs[rng.random_range(0..env.specs.len())]
}

/// Active workers of this role in this city: what a coordinator filling locally asks for.
fn local_filter(s: &Spec) -> Filter {
    Filter::and(vec![
        Filter::eq("role", s.role.as_str()),
        Filter::eq("city", s.city.as_str()),
        Filter::eq("state", s.state.as_str()),
        Filter::eq("status", "active"),
    ])
}

fn search(env: &Env, mut req: SearchRequest) -> Result<SearchResponse, String> {
    req.ef = Some(env.ef);
    env.retriever
        .search(&req)
        .map_err(|e| format!("search '{}' failed: {e} [{}]", req.query, e.code()))
}

fn worker<'a>(env: &'a Env, hit: &RetrievedHit) -> Result<&'a Worker, String> {
    env.roster
        .get(&hit.id)
        .ok_or_else(|| format!("search returned '{}', which is not in the roster", hit.id))
}

fn expect_ok(what: &str, verdict: &Verdict) -> Result<(), String> {
    if verdict.ok {
        return Ok(());
    }
    let codes: Vec<String> = verdict
        .violations
        .iter()
        .map(|v| format!("{} ({})", v.code.as_str(), v.message))
        .collect();
    Err(format!("{what} failed validation: {}", codes.join("; ")))
}

fn ids(hits: &[RetrievedHit]) -> Vec<String> {
    hits.iter().map(|h| h.id.clone()).collect()
}

fn pay_for(worker: &Worker) -> f64 {
    // Never below any state's minimum: the templates must pass PAY_BELOW_MINIMUM.
    (worker.hourly_rate.max(20.0) * 4.0).round() / 4.0
}

/// search → email draft → EmailValidator(email): verdict ok.
fn cold_search_email(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let s = spec(env, rng);
    let order = env.next_order();
    let mut req = SearchRequest::new(
        format!("{} in {}, {} for order {order}", s.role, s.city, s.state),
        K,
    );
    req.filter = Some(local_filter(s));
    let res = search(env, req)?;
    let top = res.hits.first().ok_or("search returned no workers")?;
    let w = worker(env, top)?;
    let draft = drafts::email(&env.agency, w, pay_for(w), order);
    expect_ok("email", &env.email.validate(&draft))
}

/// search → fill proposal (2 workers) → FillValidator → playbook record: ok, stored.
fn surge_fill_validate(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let s = spec(env, rng);
    let order = env.next_order();
    let query = format!(
        "surge: 2 {} needed in {}, {} (order {order})",
        s.role, s.city, s.state
    );
    let mut req = SearchRequest::new(query.clone(), K);
    req.filter = Some(local_filter(s));
    let res = search(env, req)?;
    if res.hits.len() < 2 {
        return Err(format!(
            "'{query}' found {} workers, need 2",
            res.hits.len()
        ));
    }
    let chosen = ids(&res.hits[..2]);
    let pay = res.hits[..2]
        .iter()
        .filter_map(|h| env.roster.get(&h.id))
        .map(pay_for)
        .fold(20.0, f64::max);
    let job = drafts::job_order(order, "acme-logistics", s, 2, pay);
    let proposal = Proposal {
        order_id: job.order_id.clone(),
        worker_ids: chosen.clone(),
    };
    expect_ok("fill proposal", &env.fill.validate(&job, &proposal))?;
    let playbook = env
        .retriever
        .record(&query, &chosen, PlaybookOutcome::Success)
        .map_err(|e| format!("record failed: {e} [{}]", e.code()))?;
    if !env.playbooks.contains(&playbook) {
        return Err(format!(
            "playbook '{playbook}' was acknowledged but is not stored"
        ));
    }
    Ok(())
}

/// search → search again excluding the first ids: no overlap, k results.
fn profile_swap(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let (role, available) = &env.roles[rng.random_range(0..env.roles.len())];
    let query = format!("experienced {role} available this week");
    let mut req = SearchRequest::new(query.clone(), K);
    req.filter = Some(Filter::eq("role", role.as_str()));
    let first = search(env, req.clone())?;
    let first_ids = ids(&first.hits);
    req.exclude_ids = first_ids.clone();
    let second = search(env, req)?;
    if let Some(dup) = second.hits.iter().find(|h| first_ids.contains(&h.id)) {
        return Err(format!(
            "swap for '{query}' returned excluded worker '{}'",
            dup.id
        ));
    }
    let expected = K.min(available.saturating_sub(first_ids.len()));
    if second.hits.len() != expected {
        return Err(format!(
            "swap for '{query}' returned {} workers, expected {expected}",
            second.hits.len()
        ));
    }
    Ok(())
}

/// the same query × 5: identical top-k, ≥ 4 cache hits.
fn repeat_cache(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let s = spec(env, rng);
    let query = format!("{} near {}, {}", s.role, s.city, s.state);
    let mut first: Option<Vec<String>> = None;
    let mut cached = 0;
    for _ in 0..5 {
        let res = search(env, SearchRequest::new(query.clone(), K))?;
        cached += usize::from(res.cached);
        let got = ids(&res.hits);
        match &first {
            None => first = Some(got),
            Some(f) if *f != got => {
                return Err(format!("'{query}' returned a different top-{K} on repeat"))
            }
            Some(_) => {}
        }
    }
    if cached < 4 {
        return Err(format!(
            "'{query}' hit the cache {cached} times in 5, expected ≥ 4"
        ));
    }
    Ok(())
}

/// search → SMS draft (≤ 160 chars, with `Call 555-123-4567`) → EmailValidator(sms): ok.
fn sms_validate(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let s = spec(env, rng);
    let mut req = SearchRequest::new(
        format!(
            "{} in {} for a text alert {}",
            s.role,
            s.city,
            env.next_order()
        ),
        K,
    );
    req.filter = Some(local_filter(s));
    let res = search(env, req)?;
    let top = res.hits.first().ok_or("search returned no workers")?;
    let w = worker(env, top)?;
    let draft = drafts::sms(&env.agency, w, pay_for(w));
    let phone_line = format!("Call {}", env.agency.phone);
    if draft.body.chars().count() > 160 || !draft.body.contains(&phone_line) {
        return Err(format!(
            "SMS template broke its own contract: {:?}",
            draft.body
        ));
    }
    expect_ok("sms", &env.email.validate(&draft))
}

/// cold search → record → warm search with playbooks: recorded workers ranked first.
fn playbook_record_replay(env: &Env, rng: &mut ChaCha8Rng) -> Result<(), String> {
    let s = spec(env, rng);
    let query = format!(
        "reliable {} for {} client shift, order {}",
        s.role,
        s.city,
        env.next_order()
    );
    let mut req = SearchRequest::new(query.clone(), K);
    req.filter = Some(Filter::eq("role", s.role.as_str()));
    let cold = search(env, req.clone())?;
    if cold.hits.len() < 4 {
        return Err(format!("'{query}' found only {} workers", cold.hits.len()));
    }
    // Choose from lower in the list so the boost, not the base score, puts them first.
    let n = cold.hits.len();
    let chosen = vec![cold.hits[n / 2].id.clone(), cold.hits[n - 1].id.clone()];
    env.retriever
        .record(&query, &chosen, PlaybookOutcome::Success)
        .map_err(|e| format!("record failed: {e} [{}]", e.code()))?;
    req.use_playbook = true;
    let warm = search(env, req)?;
    let top: Vec<String> = ids(&warm.hits.iter().take(2).cloned().collect::<Vec<_>>());
    if top.len() != 2 || !chosen.iter().all(|c| top.contains(c)) {
        return Err(format!(
            "after recording {chosen:?} for '{query}', warm search ranked {top:?} first"
        ));
    }
    Ok(())
}
