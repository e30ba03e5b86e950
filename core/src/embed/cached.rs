//! A bounded LRU cache in front of any embedder.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use lru::LruCache;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::Embedder;
use crate::{Error, Result};

/// Counters of a [`CachedEmbedder`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that called the inner embedder.
    pub misses: u64,
    /// Entries currently cached.
    pub len: usize,
    /// Most entries the cache keeps.
    pub capacity: usize,
}

/// Wraps an [`Embedder`] with a bounded, thread-safe LRU keyed by (model id, text).
///
/// Cloning is cheap and clones share the cache. Misses are embedded outside the lock,
/// so a slow model never blocks cache hits on other threads. A capacity of 0 disables
/// caching (every lookup is a miss).
///
/// ```
/// use std::sync::Arc;
/// use lakehouse::embed::{CachedEmbedder, HashingEmbedder};
/// let c = CachedEmbedder::new(Arc::new(HashingEmbedder::new(64)?), 100);
/// let (a, hit_a) = c.embed_one("welder in Houston")?;
/// let (b, hit_b) = c.embed_one("welder in Houston")?;
/// assert_eq!((a == b, hit_a, hit_b), (true, false, true));
/// assert_eq!(c.stats().hits, 1);
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Clone)]
pub struct CachedEmbedder {
    inner: Arc<Inner>,
}

struct Inner {
    embedder: Arc<dyn Embedder>,
    model_id: String,
    cache: Option<Mutex<LruCache<String, Arc<[f32]>>>>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CachedEmbedder {
    /// Caches up to `capacity` vectors of `inner`.
    pub fn new(inner: Arc<dyn Embedder>, capacity: usize) -> Self {
        let model_id = inner.model_id();
        let cache = NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c)));
        CachedEmbedder {
            inner: Arc::new(Inner {
                embedder: inner,
                model_id,
                cache,
                capacity,
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    /// Embeds one text; the flag is `true` when the vector came from the cache.
    pub fn embed_one(&self, text: &str) -> Result<(Vec<f32>, bool)> {
        let (v, hit) = self.embed_shared(text)?;
        Ok((v.to_vec(), hit))
    }

    /// Like [`CachedEmbedder::embed_one`] without copying the vector out of the cache.
    pub(crate) fn embed_shared(&self, text: &str) -> Result<(Arc<[f32]>, bool)> {
        let key = self.key(text);
        if let Some(cache) = &self.inner.cache {
            if let Some(v) = cache.lock().get(&key) {
                self.inner.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((Arc::clone(v), true));
            }
        }
        self.inner.misses.fetch_add(1, Ordering::Relaxed);
        let mut out = crate::error::guard("embedder", || self.inner.embedder.embed(&[text]))?;
        if out.len() != 1 {
            return Err(Error::callback(format!(
                "embedder '{}' returned {} vectors for 1 text",
                self.inner.model_id,
                out.len()
            )));
        }
        let v: Arc<[f32]> = self.checked(out.swap_remove(0))?.into();
        if let Some(cache) = &self.inner.cache {
            cache.lock().put(key, Arc::clone(&v));
        }
        Ok((v, false))
    }

    /// Hit/miss counters and occupancy.
    pub fn stats(&self) -> CacheStats {
        let len = self.inner.cache.as_ref().map_or(0, |c| c.lock().len());
        CacheStats {
            hits: self.inner.hits.load(Ordering::Relaxed),
            misses: self.inner.misses.load(Ordering::Relaxed),
            len,
            capacity: self.inner.capacity,
        }
    }

    /// Drops every cached vector (counters are kept).
    pub fn clear(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.lock().clear();
        }
    }

    /// The wrapped embedder.
    pub fn inner(&self) -> Arc<dyn Embedder> {
        Arc::clone(&self.inner.embedder)
    }

    // One flat string keeps lookups to a single allocation; the NUL cannot occur in a
    // model id we produce, so (model, text) pairs never collide.
    fn key(&self, text: &str) -> String {
        let mut k = String::with_capacity(self.inner.model_id.len() + 1 + text.len());
        k.push_str(&self.inner.model_id);
        k.push('\0');
        k.push_str(text);
        k
    }

    fn checked(&self, v: Vec<f32>) -> Result<Vec<f32>> {
        if v.len() != self.inner.embedder.dim() {
            return Err(Error::callback(format!(
                "embedder '{}' returned a vector of {} values, expected {}",
                self.inner.model_id,
                v.len(),
                self.inner.embedder.dim()
            )));
        }
        Ok(v)
    }
}

impl Embedder for CachedEmbedder {
    fn dim(&self) -> usize {
        self.inner.embedder.dim()
    }

    fn model_id(&self) -> String {
        self.inner.model_id.clone()
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        let mut missing: Vec<usize> = Vec::new();
        if let Some(cache) = &self.inner.cache {
            let mut cache = cache.lock();
            for (i, t) in texts.iter().enumerate() {
                match cache.get(&self.key(t)) {
                    Some(v) => out[i] = Some(v.to_vec()),
                    None => missing.push(i),
                }
            }
        } else {
            missing.extend(0..texts.len());
        }
        let hits = (texts.len() - missing.len()) as u64;
        self.inner.hits.fetch_add(hits, Ordering::Relaxed);
        self.inner
            .misses
            .fetch_add(missing.len() as u64, Ordering::Relaxed);
        if !missing.is_empty() {
            let batch: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
            let vectors = crate::error::guard("embedder", || self.inner.embedder.embed(&batch))?;
            if vectors.len() != batch.len() {
                return Err(Error::callback(format!(
                    "embedder '{}' returned {} vectors for {} texts",
                    self.inner.model_id,
                    vectors.len(),
                    batch.len()
                )));
            }
            let mut cache = self.inner.cache.as_ref().map(|c| c.lock());
            for (&i, v) in missing.iter().zip(vectors) {
                let v = self.checked(v)?;
                if let Some(cache) = cache.as_mut() {
                    cache.put(self.key(texts[i]), Arc::from(v.as_slice()));
                }
                out[i] = Some(v);
            }
        }
        out.into_iter()
            .map(|v| v.ok_or_else(|| Error::Internal("cached embedding slot left empty".into())))
            .collect()
    }
}
