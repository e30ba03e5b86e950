//! The Parquet/Arrow schema of the workers corpus — the single source of that format.
//!
//! | column | Arrow type | notes |
//! |---|---|---|
//! | `worker_id` | Utf8 | required; unique |
//! | `first_name`, `last_name` | Utf8 | required |
//! | `phone` | Utf8 | `555-123-4567` |
//! | `email` | Utf8 | |
//! | `city` | Utf8 | required |
//! | `state` | Utf8 | required; two-letter code |
//! | `zip` | Utf8 | five digits |
//! | `role` | Utf8 | required; lower case, e.g. `forklift operator` |
//! | `skills` | `List<Utf8>` | |
//! | `certifications` | List<Struct<name: Utf8, expires: Date32 (nullable)>> | null `expires` = never expires |
//! | `years_experience` | UInt32 | |
//! | `hourly_rate` | Float64 | US dollars |
//! | `availability` | `List<Utf8>` | `mon` … `sun` |
//! | `status` | Utf8 | required; `active`, `inactive`, `do_not_return` |
//! | `rating` | Float32 | 0.0–5.0 |
//! | `summary` | Utf8 | one line |
//!
//! Readers accept files where optional columns are missing (they take empty/zero
//! defaults) and where any column is nullable; a missing required column is an error
//! naming it, and a null in a required column rejects that row.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};

/// Columns without which a row cannot be a worker.
pub const REQUIRED_COLUMNS: &[&str] = &[
    "worker_id",
    "first_name",
    "last_name",
    "city",
    "state",
    "role",
    "status",
];

/// Fields of the `certifications` list's struct items.
pub(crate) fn certification_fields() -> Fields {
    Fields::from(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("expires", DataType::Date32, true),
    ])
}

pub(crate) fn string_item() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, false))
}

pub(crate) fn certification_item() -> Arc<Field> {
    Arc::new(Field::new(
        "item",
        DataType::Struct(certification_fields()),
        false,
    ))
}

/// The Arrow schema written by [`super::WorkerWriter`].
pub fn worker_schema() -> SchemaRef {
    let s = |name: &str| Field::new(name, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        s("worker_id"),
        s("first_name"),
        s("last_name"),
        s("phone"),
        s("email"),
        s("city"),
        s("state"),
        s("zip"),
        s("role"),
        Field::new("skills", DataType::List(string_item()), false),
        Field::new(
            "certifications",
            DataType::List(certification_item()),
            false,
        ),
        Field::new("years_experience", DataType::UInt32, false),
        Field::new("hourly_rate", DataType::Float64, false),
        Field::new("availability", DataType::List(string_item()), false),
        s("status"),
        Field::new("rating", DataType::Float32, false),
        s("summary"),
    ]))
}
