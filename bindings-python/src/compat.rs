//! Core calls whose final form lands with the core-surface issue; one place to switch.

use lakehouse::index::{Hit, SearchOptions, VectorIndex};
use lakehouse::Lakehouse;

/// One search per query.
pub fn search_batch(
    index: &VectorIndex,
    queries: &[Vec<f32>],
    k: usize,
    opts: &SearchOptions,
) -> lakehouse::Result<Vec<Vec<Hit>>> {
    queries.iter().map(|q| index.search(q, k, opts)).collect()
}

/// Closes the lakehouse, releasing its lock.
pub fn close(lake: Lakehouse) -> lakehouse::Result<()> {
    lake.flush()?;
    drop(lake);
    Ok(())
}

/// A byte span of `text` as code-point offsets.
pub fn char_range(span: lakehouse::validate::Span, text: &str) -> (usize, usize) {
    let chars = |b: usize| {
        text.get(..b.min(text.len()))
            .map_or(0, |s| s.chars().count())
    };
    (chars(span.start), chars(span.end))
}
