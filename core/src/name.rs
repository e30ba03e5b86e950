//! Names that become directory or file names (indexes, journal streams).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest accepted name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// A validated name matching `[a-z0-9][a-z0-9_-]{0,63}`.
///
/// Index and stream names become directory and file names, so anything that could
/// traverse paths (`..`, `/`, NUL) or collide on case-insensitive filesystems is refused
/// before the filesystem is touched.
///
/// ```
/// use lakehouse::Name;
/// assert!(Name::parse("playbook_memory").is_ok());
/// assert_eq!(Name::parse("../etc").unwrap_err().code(), "INVALID_INPUT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// Validates `s` as a name.
    pub fn parse(s: &str) -> Result<Self> {
        let bytes = s.as_bytes();
        let ok_first = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let ok_rest = |b: u8| ok_first(b) || b == b'_' || b == b'-';
        let valid = !bytes.is_empty()
            && bytes.len() <= MAX_NAME_LEN
            && ok_first(bytes[0])
            && bytes[1..].iter().all(|&b| ok_rest(b));
        if valid {
            Ok(Name(s.to_owned()))
        } else {
            Err(Error::invalid(format!(
                "name {s:?} is not valid: use 1 to {MAX_NAME_LEN} characters of [a-z0-9_-], starting with a letter or digit"
            )))
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Name {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Name::parse(&s)
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_refuses() {
        for ok in [
            "a",
            "0",
            "workers",
            "playbook_memory",
            "a-b_c9",
            &"x".repeat(64),
        ] {
            assert!(Name::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "..",
            ".",
            "a/b",
            "/abs",
            "A",
            "Workers",
            "-a",
            "_a",
            "a\0b",
            "a b",
            "é",
            &"x".repeat(65),
            "a.b",
            "..\\x",
        ] {
            let e = Name::parse(bad).unwrap_err();
            assert_eq!(e.code(), "INVALID_INPUT", "{bad:?}");
        }
    }
}
