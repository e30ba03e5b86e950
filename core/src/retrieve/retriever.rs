//! The retriever: cached query embedding → filtered index search → playbook boosts.

use std::sync::Arc;

use super::playbook::{boosts, playbook_record, PlaybookOutcome, RecentPlaybooks};
use super::{RetrievedHit, RetrieverConfig, SearchRequest, SearchResponse};
use crate::embed::{CacheStats, CachedEmbedder, Embedder};
use crate::index::{dot, l2_sq, Metric, SearchOptions, VectorIndex};
use crate::{Error, Result};

/// Largest `k` a search may ask for.
const MAX_K: usize = 10_000;

/// Searches a workers index, learning from recorded fills.
///
/// Cheap to clone (an `Arc`), `Send + Sync`: share one across threads.
///
/// ```
/// use std::sync::Arc;
/// use lakehouse::embed::HashingEmbedder;
/// use lakehouse::index::{IndexConfig, VectorIndex};
/// use lakehouse::retrieve::{PlaybookOutcome, Retriever, RetrieverConfig, SearchRequest};
/// use lakehouse::corpus::{generate_workers, worker_metadata, worker_text};
/// use lakehouse::embed::Embedder;
///
/// let emb = Arc::new(HashingEmbedder::new(128)?);
/// let workers = VectorIndex::new("workers", IndexConfig::new(128))?;
/// for w in generate_workers(100, 1) {
///     workers.upsert(&w.worker_id, &emb.embed_one(&worker_text(&w)), worker_metadata(&w))?;
/// }
/// let playbooks = VectorIndex::new("playbook_memory", IndexConfig::new(128))?;
/// let r = Retriever::new(emb, workers, playbooks, RetrieverConfig::default())?;
/// let q = "forklift operator in Chicago";
/// let chosen = vec!["w-000042".to_string()];
/// r.record(q, &chosen, PlaybookOutcome::Success)?;
/// let mut req = SearchRequest::new(q, 5);
/// req.use_playbook = true;
/// let res = r.search(&req)?;
/// assert_eq!(res.hits[0].id, "w-000042");
/// assert_eq!(res.playbooks_used.len(), 1);
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Clone)]
pub struct Retriever {
    inner: Arc<Inner>,
}

struct Inner {
    embedder: CachedEmbedder,
    workers: VectorIndex,
    playbooks: VectorIndex,
    recent: RecentPlaybooks,
    config: RetrieverConfig,
}

impl Retriever {
    /// A retriever over `workers` with playbook memory `playbooks`; both indexes must
    /// have the embedder's dimension. The embedder is wrapped in a
    /// [`CachedEmbedder`] of `config.cache_capacity` entries.
    pub fn new(
        embedder: Arc<dyn Embedder>,
        workers: VectorIndex,
        playbooks: VectorIndex,
        config: RetrieverConfig,
    ) -> Result<Retriever> {
        config.validate()?;
        for idx in [&workers, &playbooks] {
            if idx.config().dim != embedder.dim() {
                return Err(Error::InvalidConfig(format!(
                    "embedder '{}' produces {} values, index '{}' expects {}",
                    embedder.model_id(),
                    embedder.dim(),
                    idx.name(),
                    idx.config().dim
                )));
            }
        }
        let embedder = CachedEmbedder::new(embedder, config.cache_capacity);
        Ok(Retriever {
            inner: Arc::new(Inner {
                embedder,
                workers,
                playbooks,
                recent: RecentPlaybooks::new(config.recent_playbooks),
                config,
            }),
        })
    }

    /// Searches for workers matching `req`.
    ///
    /// Without playbooks this is one filtered index search. With `use_playbook`, the
    /// successful playbooks at least `playbook_threshold` similar to the query boost
    /// the workers they chose — also those outside the base top-k, which are fetched
    /// from the index — as long as they satisfy the filter and are not excluded.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse> {
        if req.k == 0 || req.k > MAX_K {
            return Err(Error::invalid(format!(
                "k = {} is out of range 1..={MAX_K}",
                req.k
            )));
        }
        let (query, cached) = self.inner.embedder.embed_shared(&req.query)?;
        let opts = SearchOptions {
            exclude_ids: req.exclude_ids.clone(),
            filter: req.filter.clone(),
            ef: req.ef,
        };
        let base = self.inner.workers.search(&query, req.k, &opts)?;
        let mut hits: Vec<RetrievedHit> = base
            .into_iter()
            .map(|h| RetrievedHit {
                id: h.id,
                base_score: h.score,
                boost: 0.0,
                score: h.score,
                metadata: h.metadata,
            })
            .collect();
        let mut playbooks_used = Vec::new();
        if req.use_playbook {
            let (boost, used) = boosts(
                &self.inner.playbooks,
                &self.inner.recent,
                &query,
                &self.inner.config,
            )?;
            playbooks_used = used;
            if !boost.is_empty() {
                self.apply_boosts(&mut hits, boost, &query, req);
                hits.sort_by(|a, b| {
                    b.score
                        .total_cmp(&a.score)
                        .then(b.base_score.total_cmp(&a.base_score))
                        .then_with(|| a.id.cmp(&b.id))
                });
                hits.truncate(req.k);
            }
        }
        Ok(SearchResponse {
            hits,
            cached,
            playbooks_used,
        })
    }

    fn apply_boosts(
        &self,
        hits: &mut Vec<RetrievedHit>,
        mut boost: std::collections::HashMap<String, f32>,
        query: &[f32],
        req: &SearchRequest,
    ) {
        for h in hits.iter_mut() {
            if let Some(b) = boost.remove(&h.id) {
                h.boost = b;
                h.score = h.base_score + b;
            }
        }
        // Boosted workers the base search did not return: fetch them, but only if
        // the caller's exclusions and filter would have let them through.
        let mut extra: Vec<(String, f32)> = boost
            .into_iter()
            .filter(|(id, _)| !req.exclude_ids.contains(id))
            .collect();
        extra.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, b) in extra {
            let Some(rec) = self.inner.workers.get(&id) else {
                continue;
            };
            if let Some(f) = &req.filter {
                if !f.matches(&rec.metadata) {
                    continue;
                }
            }
            let base = score(self.inner.workers.config().metric, query, &rec.vector);
            hits.push(RetrievedHit {
                id: rec.id,
                base_score: base,
                boost: b,
                score: base + b,
                metadata: rec.metadata,
            });
        }
    }

    /// Records a fill: `worker_ids` were chosen for `query` with `outcome`. Returns the
    /// playbook id. Recording the same (query, workers, outcome) again replaces the
    /// earlier playbook.
    pub fn record(
        &self,
        query: &str,
        worker_ids: &[String],
        outcome: PlaybookOutcome,
    ) -> Result<String> {
        let (id, metadata) = playbook_record(query, worker_ids, outcome)?;
        let (vector, _) = self.inner.embedder.embed_shared(query)?;
        self.inner.playbooks.upsert(&id, &vector, metadata)?;
        if outcome == PlaybookOutcome::Success {
            self.inner.recent.push(&id, &vector, worker_ids);
        }
        Ok(id)
    }

    /// Hit/miss counters of the query-embedding cache.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner.embedder.stats()
    }

    /// The workers index.
    pub fn workers(&self) -> &VectorIndex {
        &self.inner.workers
    }

    /// The playbook memory index.
    pub fn playbooks(&self) -> &VectorIndex {
        &self.inner.playbooks
    }

    /// The settings this retriever was built with.
    pub fn config(&self) -> &RetrieverConfig {
        &self.inner.config
    }

    /// The (cached) embedder queries go through.
    pub fn embedder(&self) -> &CachedEmbedder {
        &self.inner.embedder
    }
}

/// The index's score of a stored vector for `query` (higher is better), so fetched
/// workers rank on the same scale as searched ones.
fn score(metric: Metric, query: &[f32], stored: &[f32]) -> f32 {
    match metric {
        Metric::Cosine => {
            let qn = query.iter().map(|x| x * x).sum::<f32>().sqrt();
            if qn > 0.0 {
                dot(query, stored) / qn
            } else {
                0.0
            }
        }
        Metric::Dot => dot(query, stored),
        Metric::L2 => -l2_sq(query, stored),
    }
}
