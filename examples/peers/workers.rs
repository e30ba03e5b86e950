//! The `workers` dataset: the project's synthetic workers corpus embedded with the
//! hashing embedder. Queries are recruiter-style requests written from held-out
//! workers (role, place, skills, certifications), not copies of corpus text.

use crate::dataset::Vectors;

/// `n` corpus workers and `nq` queries, embedded.
pub fn embed(
    _n: usize,
    _nq: usize,
    _dim: usize,
    _seed: u64,
) -> Result<Vectors, Box<dyn std::error::Error>> {
    Err("the workers dataset needs lakehouse::corpus and lakehouse::embed (not merged yet)".into())
}
