//! Text embedders: the [`Embedder`] trait and its implementations.
//!
//! - [`HashingEmbedder`] — the embedded default: no model, no network, deterministic on
//!   every platform.
//! - [`HttpEmbedder`] — an OpenAI-compatible `/v1/embeddings` or Ollama `/api/embed`
//!   server, with batching, timeouts and bounded retries.
//! - [`CachedEmbedder`] — a bounded LRU in front of any embedder, with hit/miss counters.
//!
//! Users can plug their own model in by implementing [`Embedder`] (the Python and Node
//! bindings wrap callables this way).

mod cached;
mod hashing;
mod http;

pub use cached::{CacheStats, CachedEmbedder};
pub use hashing::HashingEmbedder;
pub use http::{Api, HttpEmbedder, HttpEmbedderConfig};

use crate::Result;

/// Turns texts into fixed-size vectors.
///
/// Implementations must be thread-safe: the retriever and ingest call them from several
/// threads at once.
///
/// ```
/// use lakehouse::embed::{Embedder, HashingEmbedder};
/// let e = HashingEmbedder::new(64)?;
/// let v = e.embed(&["forklift operator in Chicago"])?;
/// assert_eq!(v[0].len(), e.dim());
/// # Ok::<(), lakehouse::Error>(())
/// ```
pub trait Embedder: Send + Sync {
    /// Length of every vector this embedder returns.
    fn dim(&self) -> usize;
    /// A stable identifier of the model (and its parameters), used as a cache key.
    fn model_id(&self) -> String;
    /// Embeds `texts`, returning one vector of [`Embedder::dim`] values per text, in order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
}

impl<E: Embedder + ?Sized> Embedder for std::sync::Arc<E> {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn model_id(&self) -> String {
        (**self).model_id()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        (**self).embed(texts)
    }
}
