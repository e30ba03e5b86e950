//! Feature-hashing embedder: the embedded default.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::Embedder;
use crate::{Error, Result};

/// Largest accepted dimension (the index accepts the same range).
const MAX_DIM: usize = 65_536;

// One xxh3 seed per feature family, so "ab" the word and "ab" the character n-gram never
// share a bucket by construction. Changing any constant below changes every vector:
// bump `VERSION` (it is part of the model id, hence of cache keys).
const VERSION: u32 = 1;
const SEED_WORD: u64 = 0x6c68_5f77_6f72_6431;
const SEED_BIGRAM: u64 = 0x6c68_5f62_6967_7231;
const SEED_CHAR: u64 = 0x6c68_5f63_6861_7231;
const SEED_EMPTY: u64 = 0x6c68_5f65_6d70_7431;
const WEIGHT_WORD: f32 = 1.0;
const WEIGHT_BIGRAM: f32 = 0.75;
// A word of n characters yields about 3n character n-grams; a small weight keeps them
// from drowning the word features while still matching misspellings and inflections.
const WEIGHT_CHAR: f32 = 0.25;
const CHAR_NGRAM_MIN: usize = 3;
const CHAR_NGRAM_MAX: usize = 5;

/// Embeds text by signed feature hashing — no model, no network.
///
/// Features: lower-cased alphanumeric words, word bigrams, and character 3- to 5-grams
/// of each word padded as `<word>`. Each feature is hashed with xxh3 (seeded per feature
/// family) into one of `dim` buckets, with a sign from the hash's top bit. A feature seen
/// `tf` times contributes `weight × (1 + ln tf)`; the vector is then L2-normalised.
/// Everything is integer hashing plus IEEE arithmetic in a fixed order, so the same text
/// yields the same vector on every platform and from every binding. Text without any
/// alphanumeric character maps to one fixed unit vector rather than a zero vector
/// (which cosine indexes refuse).
///
/// ```
/// use lakehouse::embed::{Embedder, HashingEmbedder};
/// let e = HashingEmbedder::new(256)?;
/// let v = e.embed(&["Forklift operator", "forklift  OPERATOR!"])?;
/// assert_eq!(v[0], v[1]); // case and punctuation are normalised away
/// let norm: f32 = v[0].iter().map(|x| x * x).sum::<f32>().sqrt();
/// assert!((norm - 1.0).abs() < 1e-5);
/// # Ok::<(), lakehouse::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dim: usize,
}

impl HashingEmbedder {
    /// A hashing embedder producing `dim`-value vectors (1 to 65,536).
    pub fn new(dim: usize) -> Result<Self> {
        if dim == 0 || dim > MAX_DIM {
            return Err(Error::InvalidConfig(format!(
                "hashing embedder dimension {dim} is out of range 1..={MAX_DIM}"
            )));
        }
        Ok(HashingEmbedder { dim })
    }

    /// Embeds one text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut features = Vec::with_capacity(text.len() * 4);
        collect_features(text, &mut features);
        if features.is_empty() {
            features.push((xxh3_64_with_seed(b"", SEED_EMPTY), WEIGHT_WORD));
        }
        // Sorting groups repeats of a feature so term frequencies need no hash map.
        features.sort_unstable_by_key(|f| f.0);
        let mut v = vec![0.0f32; self.dim];
        let dim = self.dim as u64;
        let mut i = 0;
        while i < features.len() {
            let (h, w) = features[i];
            let mut j = i + 1;
            while j < features.len() && features[j].0 == h {
                j += 1;
            }
            let tf = (j - i) as f64;
            let weight = w * (1.0 + tf.ln()) as f32;
            let bucket = (h % dim) as usize;
            if h >> 63 == 1 {
                v[bucket] -= weight;
            } else {
                v[bucket] += weight;
            }
            i = j;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            // Every feature cancelled out in its bucket (possible only at tiny dims):
            // fall back to the fixed empty-text direction.
            let h = xxh3_64_with_seed(b"", SEED_EMPTY);
            v[(h % dim) as usize] = 1.0;
        }
        v
    }
}

/// Pushes `(hash, weight)` for every feature of `text`.
fn collect_features(text: &str, out: &mut Vec<(u64, f32)>) {
    let normalised = normalise(text);
    let words: Vec<&str> = normalised.split(' ').filter(|w| !w.is_empty()).collect();
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let mut bounds: Vec<usize> = Vec::with_capacity(64);
    for (i, word) in words.iter().enumerate() {
        out.push((xxh3_64_with_seed(word.as_bytes(), SEED_WORD), WEIGHT_WORD));
        if let Some(next) = words.get(i + 1) {
            buf.clear();
            buf.extend_from_slice(word.as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(next.as_bytes());
            out.push((xxh3_64_with_seed(&buf, SEED_BIGRAM), WEIGHT_BIGRAM));
        }
        buf.clear();
        bounds.clear();
        buf.push(b'<');
        bounds.push(0);
        for (off, _) in word.char_indices() {
            bounds.push(off + 1);
        }
        buf.extend_from_slice(word.as_bytes());
        bounds.push(buf.len());
        buf.push(b'>');
        bounds.push(buf.len());
        // bounds[k] = byte offset of the k-th character of "<word>" (plus the end).
        let chars = bounds.len() - 1;
        for n in CHAR_NGRAM_MIN..=CHAR_NGRAM_MAX {
            if n > chars {
                break;
            }
            for start in 0..=(chars - n) {
                let gram = &buf[bounds[start]..bounds[start + n]];
                out.push((xxh3_64_with_seed(gram, SEED_CHAR), WEIGHT_CHAR));
            }
        }
    }
}

/// Lower-cases and turns every non-alphanumeric character into a space.
fn normalise(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else {
            s.push(' ');
        }
    }
    s
}

impl Embedder for HashingEmbedder {
    fn dim(&self) -> usize {
        self.dim
    }

    fn model_id(&self) -> String {
        format!("hashing-v{VERSION}-{}", self.dim)
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn rejects_bad_dims() {
        assert_eq!(
            HashingEmbedder::new(0).unwrap_err().code(),
            "INVALID_CONFIG"
        );
        assert!(HashingEmbedder::new(MAX_DIM + 1).is_err());
    }

    #[test]
    fn empty_and_symbol_only_text_give_unit_vectors() {
        let e = HashingEmbedder::new(32).unwrap();
        let a = e.embed_one("");
        let b = e.embed_one("!!! ---");
        assert_eq!(a, b);
        assert!((cos(&a, &a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn related_texts_are_closer_than_unrelated() {
        let e = HashingEmbedder::new(768).unwrap();
        let q = e.embed_one("forklift operator Chicago");
        let near = e.embed_one("Forklift operator in Chicago, IL with OSHA 10");
        let far = e.embed_one("line cook in Phoenix, AZ with ServSafe");
        assert!(cos(&q, &near) > cos(&q, &far) + 0.2);
    }

    #[test]
    fn unicode_is_handled() {
        let e = HashingEmbedder::new(64).unwrap();
        let a = e.embed_one("José Núñez ÅNGSTRÖM");
        let b = e.embed_one("josé núñez ångström");
        assert_eq!(a, b);
    }
}
