//! The `workers` dataset: the project's synthetic workers corpus embedded with the
//! hashing embedder. Queries are recruiter-style requests written from held-out
//! workers (role, place, certifications, skills), not copies of corpus text.

use crate::dataset::Vectors;
use lakehouse::corpus::{generate_workers, worker_text, Worker};
use lakehouse::embed::{Embedder, HashingEmbedder};
use rayon::prelude::*;

/// Texts embedded per call; the embedder is pure CPU, so chunks run in parallel.
const CHUNK: usize = 1_000;
/// Query workers come from another seed stream than the corpus.
const QUERY_SEED_SALT: u64 = 0x5155_4552_5953; // "QUERYS"

/// What a coordinator would type when looking for someone like `w`.
fn request_text(w: &Worker) -> String {
    let certs: Vec<&str> = w.certifications.iter().map(|c| c.name.as_str()).collect();
    let skills: Vec<&str> = w.skills.iter().take(3).map(String::as_str).collect();
    let mut text = format!("{} in {}, {}", w.role, w.city, w.state);
    if !certs.is_empty() {
        text.push_str(&format!(" with {}", certs.join(", ")));
    }
    if !skills.is_empty() {
        text.push_str(&format!("; {}", skills.join(", ")));
    }
    text
}

fn embed_all(
    embedder: &HashingEmbedder,
    texts: &[String],
) -> Result<Vec<f32>, Box<dyn std::error::Error>> {
    let parts = texts
        .par_chunks(CHUNK)
        .map(|chunk| {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            embedder.embed(&refs)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(texts.len() * embedder.dim());
    for v in parts.into_iter().flatten() {
        // The embedder already normalises; repeated so every library sees unit vectors
        // even if that ever changes.
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        out.extend(v.iter().map(|x| x / norm));
    }
    Ok(out)
}

/// `n` corpus workers and `nq` queries, embedded.
pub fn embed(
    n: usize,
    nq: usize,
    dim: usize,
    seed: u64,
) -> Result<Vectors, Box<dyn std::error::Error>> {
    let embedder = HashingEmbedder::new(dim)?;
    let corpus: Vec<String> = generate_workers(n, seed).map(|w| worker_text(&w)).collect();
    let requests: Vec<String> = generate_workers(nq, seed ^ QUERY_SEED_SALT)
        .map(|w| request_text(&w))
        .collect();
    Ok(Vectors {
        base: embed_all(&embedder, &corpus)?,
        queries: embed_all(&embedder, &requests)?,
        source: format!(
            "lakehouse::corpus::generate_workers(seed {seed}) + worker_text, HashingEmbedder({dim}); \
             queries: recruiter-style requests from held-out workers"
        ),
    })
}
