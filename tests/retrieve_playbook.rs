//! Retriever: playbook boosts, filters and exclusions, profile swap, repeat/cache,
//! concurrency on an empty playbook memory.

use std::sync::Arc;

use lakehouse::corpus::{generate_workers, worker_metadata, worker_text};
use lakehouse::embed::{Embedder, HashingEmbedder};
use lakehouse::index::{Filter, IndexConfig, Record, VectorIndex};
use lakehouse::retrieve::{PlaybookOutcome, Retriever, RetrieverConfig, SearchRequest};
use lakehouse::Worker;

const DIM: usize = 64;

fn setup(n: usize) -> (Retriever, Vec<Worker>) {
    let emb = Arc::new(HashingEmbedder::new(DIM).unwrap());
    let workers_list: Vec<Worker> = generate_workers(n, 11).collect();
    let workers = VectorIndex::new("workers", IndexConfig::new(DIM)).unwrap();
    let records = workers_list
        .iter()
        .map(|w| Record {
            id: w.worker_id.clone(),
            vector: emb.embed_one(&worker_text(w)),
            metadata: worker_metadata(w),
        })
        .collect();
    workers.upsert_batch(records).unwrap();
    let playbooks = VectorIndex::new("playbook_memory", IndexConfig::new(DIM)).unwrap();
    let r = Retriever::new(emb, workers, playbooks, RetrieverConfig::default()).unwrap();
    (r, workers_list)
}

fn ids(res: &lakehouse::retrieve::SearchResponse) -> Vec<String> {
    res.hits.iter().map(|h| h.id.clone()).collect()
}

fn warm(q: &str, k: usize) -> SearchRequest {
    let mut req = SearchRequest::new(q, k);
    req.use_playbook = true;
    req
}

#[test]
fn playbook_boosts_filters_exclusions_and_failures() {
    let (r, workers) = setup(1_500);
    let q = "forklift operator in Chicago with OSHA 10";
    let cold = r.search(&SearchRequest::new(q, 10)).unwrap();
    assert_eq!(cold.hits.len(), 10);
    assert!(cold.playbooks_used.is_empty());
    // Two workers that the cold search does not return (far outside the top 10).
    let cold_ids = ids(&cold);
    let outside: Vec<&Worker> = workers
        .iter()
        .rev()
        .filter(|w| !cold_ids.contains(&w.worker_id) && w.role != "forklift operator")
        .take(2)
        .collect();
    let (a, b) = (outside[0], outside[1]);
    let chosen = vec![a.worker_id.clone(), b.worker_id.clone()];
    let pb = r.record(q, &chosen, PlaybookOutcome::Success).unwrap();
    assert!(pb.starts_with("pb-") && r.playbooks().contains(&pb));

    // Without use_playbook nothing changes.
    assert_eq!(
        ids(&r.search(&SearchRequest::new(q, 10)).unwrap()),
        cold_ids
    );

    let res = r.search(&warm(q, 10)).unwrap();
    assert_eq!(res.hits.len(), 10);
    let top: Vec<&str> = res.hits[..2].iter().map(|h| h.id.as_str()).collect();
    assert!(
        top.contains(&a.worker_id.as_str()) && top.contains(&b.worker_id.as_str()),
        "{top:?}"
    );
    assert_eq!(res.playbooks_used, vec![pb.clone()]);
    for h in &res.hits[..2] {
        assert!(
            h.boost > 0.99 && (h.score - h.base_score - h.boost).abs() < 1e-6,
            "{h:?}"
        );
        assert!(h.metadata.get("city").is_some());
    }
    assert!(res.hits[2..].iter().all(|h| h.boost == 0.0));
    assert!(res.hits.windows(2).all(|w| w[0].score >= w[1].score));

    // A filter that excludes a keeps a out, but b still comes first.
    let mut req = warm(q, 10);
    req.filter = Some(Filter::not(Filter::eq("phone", a.phone.as_str())));
    let res = r.search(&req).unwrap();
    assert!(!ids(&res).contains(&a.worker_id));
    assert_eq!(res.hits[0].id, b.worker_id);
    // A filter on a's role keeps only that role, boosts included.
    let mut req = warm(q, 10);
    req.filter = Some(Filter::eq("role", a.role.as_str()));
    let res = r.search(&req).unwrap();
    assert_eq!(res.hits[0].id, a.worker_id);
    assert!(res
        .hits
        .iter()
        .all(|h| h.metadata["role"] == a.role.as_str()));
    // Exclusions too.
    let mut req = warm(q, 10);
    req.exclude_ids = vec![b.worker_id.clone()];
    let res = r.search(&req).unwrap();
    assert!(!ids(&res).contains(&b.worker_id));
    assert_eq!(res.hits[0].id, a.worker_id);

    // A failed outcome never boosts.
    let q2 = "line cook in Phoenix with ServSafe";
    let c = workers.iter().find(|w| w.role == "welder").unwrap();
    r.record(
        q2,
        std::slice::from_ref(&c.worker_id),
        PlaybookOutcome::Failure,
    )
    .unwrap();
    let res = r.search(&warm(q2, 10)).unwrap();
    assert!(res.playbooks_used.is_empty());
    assert!(!ids(&res).contains(&c.worker_id));
    assert!(res.hits.iter().all(|h| h.boost == 0.0));

    // An unrelated query is below the threshold: no boost.
    let res = r.search(&warm("home health aide in Boston", 10)).unwrap();
    assert!(res.playbooks_used.is_empty());
}

#[test]
fn the_exact_precedent_beats_near_duplicate_queries() {
    // The multitier job records many queries differing only in an order number.
    let (r, workers) = setup(1_500);
    let role = "welder";
    let pool: Vec<&Worker> = workers.iter().filter(|w| w.role == role).collect();
    assert!(pool.len() > 20);
    let q = |n: u32| format!("reliable {role} for Houston client shift, order {n}");
    for n in 0..20u32 {
        let chosen = vec![
            pool[n as usize].worker_id.clone(),
            pool[n as usize + 1].worker_id.clone(),
        ];
        r.record(&q(n), &chosen, PlaybookOutcome::Success).unwrap();
    }
    for n in [0u32, 7, 19] {
        let mut req = warm(&q(n), 10);
        req.filter = Some(Filter::eq("role", role));
        let res = r.search(&req).unwrap();
        let top: Vec<&str> = res.hits[..2].iter().map(|h| h.id.as_str()).collect();
        let want = [
            pool[n as usize].worker_id.as_str(),
            pool[n as usize + 1].worker_id.as_str(),
        ];
        assert!(
            want.iter().all(|w| top.contains(w)),
            "order {n}: top {top:?}, want {want:?}"
        );
    }
}

#[test]
fn profile_swap_and_repeat_cache() {
    let (r, workers) = setup(1_000);
    let mut req = SearchRequest::new("experienced cna available this week", 10);
    req.filter = Some(Filter::eq("role", "cna"));
    let first = r.search(&req).unwrap();
    assert_eq!(first.hits.len(), 10);
    req.exclude_ids = ids(&first);
    let second = r.search(&req).unwrap();
    let cnas = workers.iter().filter(|w| w.role == "cna").count();
    assert_eq!(second.hits.len(), 10.min(cnas - 10));
    assert!(second.hits.iter().all(|h| !req.exclude_ids.contains(&h.id)));

    let before = r.cache_stats();
    let q = SearchRequest::new("welder near Houston, TX", 10);
    let runs: Vec<_> = (0..5).map(|_| r.search(&q).unwrap()).collect();
    assert!(runs.iter().all(|x| ids(x) == ids(&runs[0])));
    assert_eq!(runs.iter().filter(|x| x.cached).count(), 4);
    let after = r.cache_stats();
    assert_eq!(
        (after.hits - before.hits, after.misses - before.misses),
        (4, 1)
    );
}

#[test]
fn concurrent_record_and_warm_search_on_empty_memory() {
    let (r, workers) = setup(600);
    let errors = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..8usize {
            let (r, workers, errors) = (r.clone(), &workers, &errors);
            s.spawn(move || {
                for i in 0..25usize {
                    let q = format!("{} in {} shift {t}-{i}", workers[i].role, workers[i].city);
                    let chosen = vec![workers[(t * 25 + i) % workers.len()].worker_id.clone()];
                    let ok = r.record(&q, &chosen, PlaybookOutcome::Success).is_ok()
                        && r.search(&warm(&q, 5)).is_ok_and(|res| res.hits.len() == 5);
                    if !ok {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(errors.into_inner(), 0);
    assert_eq!(r.playbooks().len(), 200);
}

#[test]
fn bad_requests_and_configs_are_typed_errors() {
    let (r, _) = setup(50);
    assert_eq!(
        r.search(&SearchRequest::new("x", 0)).unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        r.record("q", &[], PlaybookOutcome::Success)
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        r.record(" ", &["w-1".into()], PlaybookOutcome::Success)
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
    let emb: Arc<dyn Embedder> = Arc::new(HashingEmbedder::new(32).unwrap());
    let err = Retriever::new(
        emb.clone(),
        r.workers().clone(),
        r.playbooks().clone(),
        RetrieverConfig::default(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "INVALID_CONFIG");
    let bad = RetrieverConfig {
        playbook_threshold: 1.5,
        ..RetrieverConfig::default()
    };
    assert!(bad.validate().is_err());
    // serde: requests and configs round-trip as JSON with defaults.
    let req: SearchRequest =
        serde_json::from_str(r#"{"query":"welder","filter":{"field":"city","eq":"Houston"}}"#)
            .unwrap();
    assert_eq!((req.k, req.use_playbook), (10, false));
    let cfg: RetrieverConfig = serde_json::from_str(r#"{"playbook_weight":2.0}"#).unwrap();
    assert_eq!((cfg.playbook_weight, cfg.playbook_threshold), (2.0, 0.9));
}
