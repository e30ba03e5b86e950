//! The retrieve stage seam: where the worker cards of a prompt come from.

use crate::error::Result;

/// Finds the workers relevant to a case query, best first.
///
/// [`Retriever`](crate::retrieve::Retriever) implements it (base search plus playbook
/// boosts); tests and other stacks can supply their own.
///
/// ```
/// use lakehouse::replay::WorkerSearch;
///
/// struct Fixed(Vec<String>);
/// impl WorkerSearch for Fixed {
///     fn search(&self, _query: &str, k: usize) -> lakehouse::Result<Vec<String>> {
///         Ok(self.0.iter().take(k).cloned().collect())
///     }
/// }
/// let ids = Fixed(vec!["w-1".into(), "w-2".into()]).search("forklift", 1).unwrap();
/// assert_eq!(ids, ["w-1"]);
/// ```
pub trait WorkerSearch: Send + Sync {
    /// Up to `k` worker ids for `query`, best first.
    fn search(&self, query: &str, k: usize) -> Result<Vec<String>>;
}

/// The live loop's search: base retrieval plus playbook boosts, as the coordinators'
/// tools run it.
impl WorkerSearch for crate::retrieve::Retriever {
    fn search(&self, query: &str, k: usize) -> Result<Vec<String>> {
        let mut req = crate::retrieve::SearchRequest::new(query, k);
        req.use_playbook = true;
        let resp = crate::retrieve::Retriever::search(self, &req)?;
        Ok(resp.hits.into_iter().map(|h| h.id).collect())
    }
}
