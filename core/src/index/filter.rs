//! Metadata filters and the per-field value postings that estimate their selectivity.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bits::SlotBits;
use crate::{Error, Result};

/// A predicate over a record's JSON metadata.
///
/// JSON shapes: `{"field":"city","eq":"Chicago"}`, `{"field":"role","in":["cna","welder"]}`,
/// `{"and":[...]}`, `{"or":[...]}`, `{"not":{...}}`. Only top-level metadata fields are
/// addressed. Values are JSON scalars (string, number, bool, null); numbers compare by
/// numeric value (`1` equals `1.0`). A metadata field holding an array matches when ANY
/// element matches.
///
/// ```
/// use lakehouse::index::Filter;
/// use serde_json::json;
/// let f: Filter = serde_json::from_value(json!(
///     {"and": [{"field": "city", "eq": "Chicago"}, {"not": {"field": "role", "in": ["cna"]}}]}
/// )).unwrap();
/// assert!(f.matches(&json!({"city": "Chicago", "role": "welder"})));
/// assert!(!f.matches(&json!({"city": "Chicago", "role": "cna"})));
/// assert!(Filter::eq("certs", "forklift").matches(&json!({"certs": ["osha 10", "forklift"]})));
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(try_from = "FilterRepr", into = "FilterRepr")]
pub enum Filter {
    /// `field` equals `value` (or contains it, for array fields).
    Eq {
        /// Top-level metadata field name.
        field: String,
        /// A JSON scalar.
        value: Value,
    },
    /// `field` equals one of `values`.
    In {
        /// Top-level metadata field name.
        field: String,
        /// JSON scalars.
        values: Vec<Value>,
    },
    /// All of the filters match (an empty list matches everything).
    And(Vec<Filter>),
    /// At least one of the filters matches (an empty list matches nothing).
    Or(Vec<Filter>),
    /// The filter does not match.
    Not(Box<Filter>),
}

/// The wire shape: exactly one of the combinations below, nothing else.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FilterRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    eq: Option<Value>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    in_: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    and: Option<Vec<Filter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    or: Option<Vec<Filter>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not: Option<Box<Filter>>,
}

/// Keeps `"eq": null` as `Some(Value::Null)` (plain `Option` would read it as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl TryFrom<FilterRepr> for Filter {
    type Error = String;
    fn try_from(r: FilterRepr) -> std::result::Result<Self, String> {
        match r {
            FilterRepr {
                field: Some(field),
                eq: Some(value),
                in_: None,
                and: None,
                or: None,
                not: None,
            } => Ok(Filter::Eq { field, value }),
            FilterRepr {
                field: Some(field),
                eq: None,
                in_: Some(values),
                and: None,
                or: None,
                not: None,
            } => Ok(Filter::In { field, values }),
            FilterRepr {
                field: None,
                eq: None,
                in_: None,
                and: Some(fs),
                or: None,
                not: None,
            } => Ok(Filter::And(fs)),
            FilterRepr {
                field: None,
                eq: None,
                in_: None,
                and: None,
                or: Some(fs),
                not: None,
            } => Ok(Filter::Or(fs)),
            FilterRepr {
                field: None,
                eq: None,
                in_: None,
                and: None,
                or: None,
                not: Some(f),
            } => Ok(Filter::Not(f)),
            _ => Err(
                "a filter is exactly one of {field, eq}, {field, in}, {and}, {or}, {not}".into(),
            ),
        }
    }
}

impl From<Filter> for FilterRepr {
    fn from(f: Filter) -> Self {
        match f {
            Filter::Eq { field, value } => FilterRepr {
                field: Some(field),
                eq: Some(value),
                ..Default::default()
            },
            Filter::In { field, values } => FilterRepr {
                field: Some(field),
                in_: Some(values),
                ..Default::default()
            },
            Filter::And(fs) => FilterRepr {
                and: Some(fs),
                ..Default::default()
            },
            Filter::Or(fs) => FilterRepr {
                or: Some(fs),
                ..Default::default()
            },
            Filter::Not(f) => FilterRepr {
                not: Some(f),
                ..Default::default()
            },
        }
    }
}

impl Filter {
    /// `field == value`.
    pub fn eq(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        Filter::Eq {
            field: field.into(),
            value: value.into(),
        }
    }
    /// `field ∈ values`.
    pub fn is_in(field: impl Into<String>, values: Vec<Value>) -> Filter {
        Filter::In {
            field: field.into(),
            values,
        }
    }
    /// Conjunction.
    pub fn and(fs: Vec<Filter>) -> Filter {
        Filter::And(fs)
    }
    /// Disjunction.
    pub fn or(fs: Vec<Filter>) -> Filter {
        Filter::Or(fs)
    }
    /// Negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }

    /// Whether `metadata` satisfies the filter. Never allocates.
    pub fn matches(&self, metadata: &Value) -> bool {
        match self {
            Filter::Eq { field, value } => field_matches(metadata, field, |v| scalar_eq(v, value)),
            Filter::In { field, values } => {
                field_matches(metadata, field, |v| values.iter().any(|w| scalar_eq(v, w)))
            }
            Filter::And(fs) => fs.iter().all(|f| f.matches(metadata)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(metadata)),
            Filter::Not(f) => !f.matches(metadata),
        }
    }

    /// Rejects filters that can never be meaningful: empty field names, non-scalar values,
    /// absurd nesting.
    pub(crate) fn validate(&self) -> Result<()> {
        self.validate_depth(0)
    }

    fn validate_depth(&self, depth: usize) -> Result<()> {
        if depth > 64 {
            return Err(Error::invalid("filter is nested more than 64 levels deep"));
        }
        let check_field = |field: &str| {
            if field.is_empty() {
                Err(Error::invalid("filter field name is empty"))
            } else {
                Ok(())
            }
        };
        let check_value = |field: &str, v: &Value| {
            if is_scalar(v) {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "filter value for field '{field}' must be a string, number, bool or null, got {v}"
                )))
            }
        };
        match self {
            Filter::Eq { field, value } => {
                check_field(field)?;
                check_value(field, value)
            }
            Filter::In { field, values } => {
                check_field(field)?;
                values.iter().try_for_each(|v| check_value(field, v))
            }
            Filter::And(fs) | Filter::Or(fs) => {
                fs.iter().try_for_each(|f| f.validate_depth(depth + 1))
            }
            Filter::Not(f) => f.validate_depth(depth + 1),
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn field_matches(metadata: &Value, field: &str, pred: impl Fn(&Value) -> bool) -> bool {
    match metadata.get(field) {
        Some(Value::Array(items)) => items.iter().any(pred),
        Some(v) => pred(v),
        None => false,
    }
}

/// Scalar equality with numbers compared by value, consistent with [`value_key`].
fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(_) | Value::Object(_), _) => false,
        _ => a == b,
    }
}

/// Canonical posting key of a scalar; `None` for arrays/objects (not indexed).
pub(crate) fn value_key(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("z".into()),
        Value::Bool(b) => Some(if *b { "b1".into() } else { "b0".into() }),
        Value::Number(n) => Some(match n.as_f64() {
            // -0.0 == 0.0 under `scalar_eq`, so both must share one key.
            Some(0.0) => "n0".to_owned(),
            Some(f) => format!("n{f}"),
            None => format!("n{n}"),
        }),
        Value::String(s) => Some(format!("s{s}")),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// field → value key → slots (ascending). Append-only between compactions: deleted slots
/// stay listed and are skipped by the liveness check, which keeps deletes O(1) and the
/// cardinality estimate an upper bound within the tombstone ratio.
#[derive(Default, Debug)]
pub(crate) struct Postings {
    fields: HashMap<String, HashMap<String, Vec<u32>>>,
}

impl Postings {
    /// Indexes every top-level scalar field (and each scalar element of array fields).
    pub(crate) fn add(&mut self, slot: u32, metadata: &Value) {
        let Value::Object(map) = metadata else { return };
        for (field, v) in map {
            let entry = self.fields.entry(field.clone()).or_default();
            let mut push = |v: &Value| {
                if let Some(k) = value_key(v) {
                    let list = entry.entry(k).or_default();
                    // An array with a repeated element must list the slot once.
                    if list.last() != Some(&slot) {
                        list.push(slot);
                    }
                }
            };
            match v {
                Value::Array(items) => items.iter().for_each(&mut push),
                v => push(v),
            }
        }
    }

    fn list(&self, field: &str, v: &Value) -> &[u32] {
        value_key(v)
            .and_then(|k| self.fields.get(field).and_then(|m| m.get(&k)))
            .map_or(&[], |l| l.as_slice())
    }

    /// The slots `0..len` whose metadata matches `f`, as [`Filter::matches`] decides it,
    /// compiled once per query from the postings with set operations (liveness is the
    /// caller's to apply: postings still list deleted slots).
    pub(crate) fn compile(&self, f: &Filter, len: usize) -> SlotBits {
        match f {
            Filter::Eq { field, value } => SlotBits::from_slots(len, self.list(field, value)),
            Filter::In { field, values } => {
                let mut b = SlotBits::zeros(len);
                for v in values {
                    self.list(field, v).iter().for_each(|&s| b.insert(s));
                }
                b
            }
            Filter::And(fs) => {
                let mut b = SlotBits::ones(len);
                for f in fs {
                    b.and_with(&self.compile(f, len));
                }
                b
            }
            Filter::Or(fs) => {
                let mut b = SlotBits::zeros(len);
                for f in fs {
                    b.or_with(&self.compile(f, len));
                }
                b
            }
            Filter::Not(f) => {
                let mut b = self.compile(f, len);
                b.negate();
                b
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shapes_round_trip() {
        for j in [
            json!({"field":"city","eq":"Chicago"}),
            json!({"field":"n","eq":null}),
            json!({"field":"role","in":["cna","welder"]}),
            json!({"and":[{"field":"a","eq":1},{"or":[]}]}),
            json!({"not":{"field":"a","eq":true}}),
        ] {
            let f: Filter = serde_json::from_value(j.clone()).unwrap();
            assert_eq!(serde_json::to_value(&f).unwrap(), j);
        }
        for bad in [
            json!({"field":"city"}),
            json!({"eq":"x"}),
            json!({"field":"a","eq":1,"in":[1]}),
            json!({"and":[],"or":[]}),
            json!({"field":"a","eq":1,"extra":2}),
            json!([]),
        ] {
            assert!(
                serde_json::from_value::<Filter>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn matches_semantics() {
        let m = json!({"city":"Chicago","n":1,"certs":["forklift","osha 10"],"ok":true});
        assert!(Filter::eq("city", "Chicago").matches(&m));
        assert!(!Filter::eq("city", "chicago").matches(&m));
        assert!(Filter::eq("n", 1.0).matches(&m));
        assert!(Filter::eq("certs", "osha 10").matches(&m));
        assert!(Filter::is_in("city", vec![json!("x"), json!("Chicago")]).matches(&m));
        assert!(!Filter::eq("missing", "x").matches(&m));
        assert!(Filter::not(Filter::eq("missing", "x")).matches(&m));
        assert!(Filter::and(vec![]).matches(&m));
        assert!(!Filter::or(vec![]).matches(&m));
        assert!(Filter::eq("ok", true).matches(&m));
        assert!(!Filter::eq("city", "Chicago").matches(&json!(null)));
    }

    #[test]
    fn validate_rejects_non_scalars() {
        assert!(Filter::eq("a", json!([1])).validate().is_err());
        assert!(Filter::eq("", 1).validate().is_err());
        assert!(Filter::is_in("a", vec![json!({})]).validate().is_err());
        let mut deep = Filter::eq("a", 1);
        for _ in 0..70 {
            deep = Filter::not(deep);
        }
        assert_eq!(deep.validate().unwrap_err().code(), "INVALID_INPUT");
        assert!(Filter::and(vec![Filter::eq("a", 1)]).validate().is_ok());
    }

    #[test]
    fn compiled_sets_follow_matches() {
        let mut p = Postings::default();
        let docs = [
            json!({"c":"a","t":["x","y","x"]}),
            json!({"c":"b","t":["y"]}),
            json!({"c":"a","n":2}),
            json!({"c":"a","n":2.0,"z":-0.0}),
            json!(null),
        ];
        for (i, d) in docs.iter().enumerate() {
            p.add(i as u32, d);
        }
        let set = |f: &Filter| p.compile(f, docs.len()).iter().collect::<Vec<_>>();
        let filters = [
            Filter::eq("t", "x"),
            Filter::eq("n", 2),
            Filter::eq("z", 0),
            Filter::and(vec![Filter::eq("c", "a"), Filter::eq("t", "y")]),
            Filter::and(vec![Filter::eq("c", "a"), Filter::not(Filter::eq("n", 2))]),
            Filter::or(vec![Filter::eq("c", "b"), Filter::eq("n", 2)]),
            Filter::or(vec![Filter::eq("c", "b"), Filter::not(Filter::eq("n", 2))]),
            Filter::not(Filter::eq("c", "a")),
            Filter::and(vec![]),
            Filter::or(vec![]),
            Filter::is_in("c", vec![json!("b"), json!("zz")]),
        ];
        for f in &filters {
            let want: Vec<u32> = (0..docs.len() as u32)
                .filter(|&i| f.matches(&docs[i as usize]))
                .collect();
            assert_eq!(set(f), want, "{f:?}");
        }
        assert_eq!(set(&Filter::eq("t", "x")), vec![0]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;
        use serde_json::{json, Value};

        fn scalar() -> impl Strategy<Value = Value> {
            prop_oneof![
                (0i64..4).prop_map(|n| json!(n)),
                (0i64..4).prop_map(|n| json!(n as f64)),
                Just(json!(-0.0)),
                prop::sample::select(vec!["a", "b", "Zoë", "🦀"]).prop_map(|s| json!(s)),
                any::<bool>().prop_map(|b| json!(b)),
                Just(Value::Null),
            ]
        }

        fn field_value() -> impl Strategy<Value = Value> {
            prop_oneof![
                4 => scalar(),
                2 => prop::collection::vec(scalar(), 0..3).prop_map(Value::Array),
                1 => Just(json!({"nested": 1})),
            ]
        }

        fn metadata() -> impl Strategy<Value = Value> {
            prop_oneof![
                8 => prop::collection::btree_map(
                    prop::sample::select(vec!["f", "g", "h"]),
                    field_value(),
                    0..3
                )
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
                1 => Just(Value::Null),
                1 => Just(json!([1, 2])),
            ]
        }

        fn filter() -> impl Strategy<Value = Filter> {
            let field = prop::sample::select(vec!["f", "g", "h", "missing"]);
            let leaf = prop_oneof![
                (field.clone(), scalar()).prop_map(|(f, v)| Filter::eq(f, v)),
                (field, prop::collection::vec(scalar(), 0..3))
                    .prop_map(|(f, vs)| Filter::is_in(f, vs)),
            ];
            leaf.prop_recursive(3, 16, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Filter::and),
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Filter::or),
                    inner.prop_map(Filter::not),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// The compiled set equals `Filter::matches`, record by record.
            #[test]
            fn compiled_set_equals_matches(
                docs in prop::collection::vec(metadata(), 0..40),
                filters in prop::collection::vec(filter(), 1..6),
            ) {
                let mut p = Postings::default();
                for (i, d) in docs.iter().enumerate() {
                    p.add(i as u32, d);
                }
                for f in &filters {
                    let bits = p.compile(f, docs.len());
                    for (i, d) in docs.iter().enumerate() {
                        prop_assert_eq!(bits.contains(i as u32), f.matches(d), "{:?} on {}", f, d);
                    }
                    prop_assert_eq!(bits.count(), docs.iter().filter(|d| f.matches(d)).count());
                }
            }
        }
    }
}
