//! Strict options: one way to parse and check every public options and config type.
//!
//! Options cross the bindings as JSON objects with snake_case keys. A misspelt key
//! (`ef_serach`) must not be silently ignored, so [`Options::from_json`] and
//! [`Options::from_value`] reject any key the type does not know, at any depth, with
//! `INVALID_CONFIG` naming it, and then run [`Options::validate`], which rejects values
//! out of range (nothing is clamped). Missing keys take their defaults.
//!
//! Files that earlier versions wrote (manifests, receipts, logs) embed some of these
//! types and are read with plain serde, which ignores unknown keys: old files stay
//! readable when a field is added or removed.
//!
//! ```
//! use lakehouse::Options;
//! use lakehouse::index::IndexConfig;
//! let c = IndexConfig::from_json(r#"{"dim": 8, "ef_search": 32}"#)?;
//! assert_eq!((c.dim, c.ef_search), (8, 32));
//! let e = IndexConfig::from_json(r#"{"dim": 8, "ef_serach": 32}"#).unwrap_err();
//! assert_eq!(e.code(), "INVALID_CONFIG");
//! assert!(e.to_string().contains("ef_serach"), "{e}");
//! # Ok::<(), lakehouse::Error>(())
//! ```

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::corpus::IngestOptions;
use crate::embed::HttpEmbedderConfig;
use crate::index::{IndexConfig, SearchOptions};
use crate::materialize::MaterializeConfig;
use crate::replay::{BundleConfig, ChatParams, OpenAiChatConfig, ReplayOptions, StageTimeouts};
use crate::retrieve::{RetrieverConfig, SearchRequest};
use crate::store::StoreOptions;
use crate::validate::ValidatorConfig;
use crate::{Error, Result};

/// A public options or config type: parsed strictly from JSON, then validated.
pub trait Options: DeserializeOwned {
    /// The type's name in messages (`IndexConfig`).
    const NAME: &'static str;

    /// Rejects values out of range or inconsistent with `INVALID_CONFIG`.
    fn validate(&self) -> Result<()>;

    /// Parses a JSON object; unknown keys and bad values are `INVALID_CONFIG`.
    fn from_json(text: &str) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = parse_strict::<Self, _>(&mut de)?;
        de.end().map_err(|e| bad::<Self>(&e.to_string()))?;
        value.validate()?;
        Ok(value)
    }

    /// [`Options::from_json`] from an already parsed JSON value (what bindings hold).
    fn from_value(value: &Value) -> Result<Self> {
        let parsed = parse_strict::<Self, _>(value)?;
        parsed.validate()?;
        Ok(parsed)
    }
}

fn bad<T: Options>(msg: &str) -> Error {
    Error::InvalidConfig(format!("{}: {msg}", T::NAME))
}

/// Deserializes `T`, collecting every key it ignored (`timeouts.chat_msx`).
fn parse_strict<'de, T: Options, D>(de: D) -> Result<T>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    let mut unknown = Vec::new();
    let value = serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
        .map_err(|e| bad::<T>(&e.to_string()))?;
    match unknown.as_slice() {
        [] => Ok(value),
        [one] => Err(bad::<T>(&format!("unknown key '{one}'"))),
        many => Err(bad::<T>(&format!(
            "unknown keys {}",
            many.iter()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidConfig(msg()))
    }
}

impl Options for IndexConfig {
    const NAME: &'static str = "IndexConfig";
    fn validate(&self) -> Result<()> {
        IndexConfig::validate(self)
    }
}

impl Options for SearchOptions {
    const NAME: &'static str = "SearchOptions";
    fn validate(&self) -> Result<()> {
        check(self.ef != Some(0), || {
            "SearchOptions: ef must be at least 1".into()
        })?;
        if let Some(f) = &self.filter {
            f.validate()?;
        }
        Ok(())
    }
}

impl Options for StoreOptions {
    const NAME: &'static str = "StoreOptions";
    fn validate(&self) -> Result<()> {
        if let crate::store::Durability::Buffered { interval_ms } = self.durability {
            check(interval_ms >= 1, || {
                "StoreOptions: durability.buffered.interval_ms must be at least 1".into()
            })?;
        }
        Ok(())
    }
}

impl Options for IngestOptions {
    const NAME: &'static str = "IngestOptions";
    fn validate(&self) -> Result<()> {
        IngestOptions::validate(self)
    }
}

impl Options for HttpEmbedderConfig {
    const NAME: &'static str = "HttpEmbedderConfig";
    fn validate(&self) -> Result<()> {
        crate::embed::HttpEmbedder::new(self.clone()).map(drop)
    }
}

impl Options for RetrieverConfig {
    const NAME: &'static str = "RetrieverConfig";
    fn validate(&self) -> Result<()> {
        RetrieverConfig::validate(self)
    }
}

impl Options for SearchRequest {
    const NAME: &'static str = "SearchRequest";
    fn validate(&self) -> Result<()> {
        check(self.k >= 1, || "SearchRequest: k must be at least 1".into())?;
        check(self.ef != Some(0), || {
            "SearchRequest: ef must be at least 1".into()
        })?;
        if let Some(f) = &self.filter {
            f.validate()?;
        }
        Ok(())
    }
}

impl Options for ValidatorConfig {
    const NAME: &'static str = "ValidatorConfig";
    fn validate(&self) -> Result<()> {
        self.check()
    }
}

impl Options for MaterializeConfig {
    const NAME: &'static str = "MaterializeConfig";
    fn validate(&self) -> Result<()> {
        MaterializeConfig::validate(self)
    }
}

impl Options for ChatParams {
    const NAME: &'static str = "ChatParams";
    fn validate(&self) -> Result<()> {
        if let Some(t) = self.temperature {
            check(t.is_finite() && (0.0..=2.0).contains(&t), || {
                format!("ChatParams: temperature is {t}, must be in [0, 2]")
            })?;
        }
        check(self.max_tokens != Some(0), || {
            "ChatParams: max_tokens must be at least 1".into()
        })?;
        check(self.timeout_ms != Some(0), || {
            "ChatParams: timeout_ms must be at least 1".into()
        })
    }
}

impl Options for OpenAiChatConfig {
    const NAME: &'static str = "OpenAiChatConfig";
    fn validate(&self) -> Result<()> {
        crate::replay::OpenAiChat::new(self.clone()).map(drop)
    }
}

impl Options for BundleConfig {
    const NAME: &'static str = "BundleConfig";
    fn validate(&self) -> Result<()> {
        check(self.max_prompt_tokens > 0, || {
            "BundleConfig: max_prompt_tokens must be at least 1".into()
        })
    }
}

impl Options for StageTimeouts {
    const NAME: &'static str = "StageTimeouts";
    fn validate(&self) -> Result<()> {
        StageTimeouts::validate(self)
    }
}

impl Options for ReplayOptions {
    const NAME: &'static str = "ReplayOptions";
    fn validate(&self) -> Result<()> {
        ReplayOptions::validate(self)
    }
}
