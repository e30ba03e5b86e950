//! Token estimates: the one place the crate guesses token counts.
//!
//! `ceil(chars / 4)` over Unicode scalar values: the usual rule of thumb for English with
//! BPE tokenizers, cheap, and the same for every model. The bundle stage uses it to
//! decide what fits a budget; the chat client uses it when a server reports no usage.

/// Estimated tokens of `text`: `ceil(chars / 4)`.
///
/// ```
/// assert_eq!(lakehouse::replay::estimate_tokens(""), 0);
/// assert_eq!(lakehouse::replay::estimate_tokens("abcde"), 2);
/// ```
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}
