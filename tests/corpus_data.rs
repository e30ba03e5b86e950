//! Corpus: generator determinism and realism, Parquet round trips, reader errors.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use lakehouse::corpus::{
    generate_workers, read_workers, worker_metadata, worker_text, write_workers_parquet,
    WorkerReader, WorkerWriter, REFERENCE_DATE,
};
use lakehouse::WorkerStatus;

#[test]
fn same_seed_same_rows_and_same_bytes() {
    let a: Vec<_> = generate_workers(500, 42).collect();
    let b: Vec<_> = generate_workers(500, 42).collect();
    assert_eq!(a, b);
    let c: Vec<_> = generate_workers(500, 43).collect();
    assert_ne!(a, c);
    // Worker i depends only on (seed, i): a prefix of a bigger corpus is the smaller one.
    let big: Vec<_> = generate_workers(800, 42).take(500).collect();
    assert_eq!(a, big);

    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    write_workers_parquet(&p1, &a).unwrap();
    write_workers_parquet(&p2, generate_workers(500, 42)).unwrap();
    assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
}

#[test]
fn committed_fixture_matches_the_generator() {
    // tests/fixtures/workers_1k.parquet is `generate_workers example --n 1000 --seed 42`.
    // If this fails, the generator or the Parquet layout changed: regenerate on purpose.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/workers_1k.parquet"
    );
    let from_file = read_workers(path).unwrap();
    let generated: Vec<_> = generate_workers(1000, 42).collect();
    assert_eq!(from_file, generated);
}

#[test]
fn round_trip_worker_parquet_worker_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let workers: Vec<_> = generate_workers(20_000, 7).collect();
    let p1 = dir.path().join("one.parquet");
    assert_eq!(write_workers_parquet(&p1, &workers).unwrap(), 20_000);
    let back = read_workers(&p1).unwrap();
    assert_eq!(back, workers);
    let p2 = dir.path().join("two.parquet");
    write_workers_parquet(&p2, &back).unwrap();
    assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
    // Streaming: batches of the requested size, not the whole file at once.
    let reader = WorkerReader::open_with_batch_size(&p1, 1000).unwrap();
    assert_eq!(reader.total_rows(), 20_000);
    let sizes: Vec<usize> = reader.map(|b| b.unwrap().len()).collect();
    assert_eq!(sizes.len(), 20);
    assert!(sizes.iter().all(|&s| s == 1000));
}

#[test]
fn unfinished_writer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.parquet");
    {
        let mut w = WorkerWriter::create(&path).unwrap();
        for worker in generate_workers(10, 1) {
            w.write(&worker).unwrap();
        }
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn generated_corpus_looks_like_a_staffing_roster() {
    let workers: Vec<_> = generate_workers(20_000, 42).collect();
    let ids: HashSet<_> = workers.iter().map(|w| &w.worker_id).collect();
    assert_eq!(ids.len(), workers.len());
    let phone = regex::Regex::new(r"^555-\d{3}-\d{4}$").unwrap();
    let ssn = regex::Regex::new(r"\d{3}-\d{2}-\d{4}").unwrap();
    let mut status: HashMap<WorkerStatus, usize> = HashMap::new();
    let (mut certs, mut expired) = (0, 0);
    let mut cities: HashMap<&str, usize> = HashMap::new();
    for w in &workers {
        assert!(phone.is_match(&w.phone), "{}", w.phone);
        assert!(!ssn.is_match(&w.phone) && !ssn.is_match(&w.summary));
        assert!(
            w.email.contains('@') && w.email.ends_with(".com")
                || w.email.ends_with(".net")
                || w.email.ends_with(".org")
        );
        assert_eq!(w.state.len(), 2);
        assert_eq!(w.zip.len(), 5);
        assert!(!w.skills.is_empty() && !w.availability.is_empty());
        assert!((0.0..=5.0).contains(&w.rating));
        assert!(w.hourly_rate >= 13.0 && w.hourly_rate <= 40.0);
        assert!(!w.summary.contains('\n') && w.summary.contains(&w.city));
        *status.entry(w.status).or_default() += 1;
        *cities.entry(w.city.as_str()).or_default() += 1;
        for c in &w.certifications {
            certs += 1;
            expired += usize::from(c.expires.is_some_and(|d| d < REFERENCE_DATE));
        }
    }
    let share = |s| status.get(&s).copied().unwrap_or(0) as f64 / workers.len() as f64;
    assert!(share(WorkerStatus::Active) > 0.8);
    assert!(share(WorkerStatus::Inactive) > 0.05);
    assert!((0.005..0.03).contains(&share(WorkerStatus::DoNotReturn)));
    assert!(
        expired > 0 && expired < certs / 4,
        "{expired} of {certs} expired"
    );
    // Population weighting: New York is far more common than Cheyenne.
    assert!(cities["New York"] > 10 * cities.get("Cheyenne").copied().unwrap_or(1));
    assert!(cities.len() > 120);
}

#[test]
fn metadata_and_text_are_filter_friendly() {
    let w = generate_workers(200, 5)
        .find(|w| {
            w.certifications
                .iter()
                .any(|c| c.expires.is_some_and(|d| d < REFERENCE_DATE))
        })
        .unwrap();
    let m = worker_metadata(&w);
    for key in [
        "city",
        "state",
        "role",
        "status",
        "certifications",
        "skills",
        "name",
        "phone",
        "zip",
        "rating",
        "hourly_rate",
    ] {
        assert!(m.get(key).is_some(), "metadata lacks {key}");
    }
    let certs: Vec<&str> = m["certifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for c in &w.certifications {
        let listed = certs.contains(&c.name.to_lowercase().as_str());
        assert_eq!(
            listed,
            c.expires.is_none_or(|d| d >= REFERENCE_DATE),
            "{c:?}"
        );
    }
    let t = worker_text(&w);
    assert!(t.contains(&w.role) && t.contains(&w.city) && !t.contains(&w.phone));
}

fn write_batch(path: &std::path::Path, cols: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_option(*v);
    }
    Arc::new(b.finish())
}

#[test]
fn reader_names_missing_columns_and_rejects_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partial.parquet");
    let s = |v: &str| strings(&[Some(v), Some(v), Some(v)]);
    // No `city` column.
    write_batch(
        &path,
        vec![
            ("worker_id", s("x")),
            ("first_name", s("Ana")),
            ("last_name", s("Lopez")),
            ("state", s("IL")),
            ("role", s("welder")),
            ("status", s("active")),
        ],
    );
    let err = WorkerReader::open(&path).err().unwrap();
    assert_eq!(err.code(), "PARQUET");
    assert!(
        err.to_string().contains("missing required column 'city'"),
        "{err}"
    );

    // Only required columns, one null id and one unknown status.
    write_batch(
        &path,
        vec![
            ("worker_id", strings(&[Some("a"), None, Some("c")])),
            ("first_name", s("Ana")),
            ("last_name", s("Lopez")),
            ("city", s("Chicago")),
            ("state", s("IL")),
            ("role", s("welder")),
            (
                "status",
                strings(&[Some("active"), Some("active"), Some("retired")]),
            ),
        ],
    );
    let mut reader = WorkerReader::open(&path).unwrap();
    let rows = reader.next_rows().unwrap().unwrap();
    assert_eq!(rows.len(), 3);
    let a = rows[0].1.as_ref().unwrap();
    assert_eq!(
        (a.worker_id.as_str(), a.city.as_str(), a.skills.len()),
        ("a", "Chicago", 0)
    );
    assert_eq!(
        rows[1].1.as_ref().unwrap_err(),
        "column 'worker_id' is null"
    );
    assert!(rows[2]
        .1
        .as_ref()
        .unwrap_err()
        .contains("unknown value \"retired\""));
    let err = read_workers(&path).unwrap_err();
    assert!(
        err.to_string()
            .contains("row 1: column 'worker_id' is null"),
        "{err}"
    );

    // Wrong type for a known column.
    write_batch(
        &path,
        vec![
            ("worker_id", s("a")),
            ("first_name", s("Ana")),
            ("last_name", s("Lopez")),
            ("city", s("Chicago")),
            ("state", s("IL")),
            ("role", s("welder")),
            ("status", s("active")),
            ("rating", strings(&[Some("5"), Some("5"), Some("5")])),
        ],
    );
    let err = WorkerReader::open(&path).err().unwrap();
    assert!(
        err.to_string().contains("column 'rating' has type Utf8"),
        "{err}"
    );
    let _ = DataType::Utf8;

    // What pandas/polars write: large strings, float64 ratings, int64 years.
    let large = |v: &str| -> ArrayRef {
        let mut b = arrow_array::builder::LargeStringBuilder::new();
        for _ in 0..3 {
            b.append_value(v);
        }
        Arc::new(b.finish())
    };
    write_batch(
        &path,
        vec![
            (
                "worker_id",
                Arc::new(arrow_array::LargeStringArray::from(vec!["a", "b", "c"])) as ArrayRef,
            ),
            ("first_name", large("Ana")),
            ("last_name", large("Lopez")),
            ("city", large("Chicago")),
            ("state", large("IL")),
            ("role", large("welder")),
            ("status", large("active")),
            (
                "rating",
                Arc::new(arrow_array::Float64Array::from(vec![4.5, 9.0, 3.0])) as ArrayRef,
            ),
            (
                "years_experience",
                Arc::new(arrow_array::Int64Array::from(vec![3, 4, 5])) as ArrayRef,
            ),
        ],
    );
    let mut reader = WorkerReader::open(&path).unwrap();
    let rows = reader.next_rows().unwrap().unwrap();
    let a = rows[0].1.as_ref().unwrap();
    assert_eq!(
        (a.city.as_str(), a.rating, a.years_experience),
        ("Chicago", 4.5, 3)
    );
    assert!(rows[1]
        .1
        .as_ref()
        .unwrap_err()
        .contains("column 'rating' has value 9"));
    assert_eq!(rows[2].1.as_ref().unwrap().years_experience, 5);
}

#[test]
fn missing_file_is_an_io_error() {
    let err = read_workers("/nonexistent/workers.parquet").unwrap_err();
    assert_eq!(err.code(), "IO");
}

// ---------------------------------------------------------------- ingest

mod ingest {
    use super::*;
    use lakehouse::corpus::{ingest, ingest_with, IngestOptions, IngestProgress};
    use lakehouse::embed::HashingEmbedder;
    use lakehouse::index::{Filter, IndexConfig, SearchOptions, VectorIndex};
    use lakehouse::{CancelToken, Control};
    use std::sync::Mutex;

    #[test]
    fn ingest_indexes_every_row_with_filterable_metadata_and_reports_progress() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.parquet");
        let workers: Vec<_> = generate_workers(1_200, 9).collect();
        write_workers_parquet(&path, &workers).unwrap();
        let emb = HashingEmbedder::new(64).unwrap();
        let index = VectorIndex::new("workers", IndexConfig::new(64)).unwrap();
        let seen: Arc<Mutex<Vec<IngestProgress>>> = Arc::default();
        let s2 = seen.clone();
        let cb = Control::new().on_progress(move |p: &IngestProgress| s2.lock().unwrap().push(*p));
        let opts = IngestOptions {
            batch_size: 300,
            ..IngestOptions::default()
        };
        let report = ingest_with(&path, &emb, &index, opts, &cb).unwrap();
        assert_eq!(
            (report.rows_read, report.indexed, report.rejected.len()),
            (1_200, 1_200, 0)
        );
        assert_eq!(index.len(), 1_200);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 4);
        assert!(seen.windows(2).all(|w| w[0].indexed < w[1].indexed));
        assert_eq!(seen.last().unwrap().indexed, 1_200);
        assert_eq!(seen[0].total_rows, 1_200);

        let w = &workers[17];
        let rec = index.get(&w.worker_id).unwrap();
        assert_eq!(rec.metadata, worker_metadata(w));
        let filter = Filter::and(vec![
            Filter::eq("city", w.city.as_str()),
            Filter::eq("role", w.role.as_str()),
        ]);
        let opts = SearchOptions {
            filter: Some(filter),
            ..SearchOptions::default()
        };
        let hits = index
            .search(&emb.embed_one(&worker_text(w)), 5, &opts)
            .unwrap();
        assert_eq!(hits[0].id, w.worker_id);
        assert!(hits.iter().all(|h| h.metadata["city"] == w.city.as_str()));

        // Re-ingesting the same file is idempotent.
        let again = ingest(&path, &emb, &index, IngestOptions::default()).unwrap();
        assert_eq!((again.indexed, index.len()), (1_200, 1_200));
    }

    #[test]
    fn ingest_rejects_bad_rows_and_names_missing_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.parquet");
        let emb = HashingEmbedder::new(32).unwrap();
        let index = VectorIndex::new("workers", IndexConfig::new(32)).unwrap();
        let s = |v: &str| strings(&[Some(v); 4]);
        let long = "x".repeat(300);
        write_batch(
            &path,
            vec![
                (
                    "worker_id",
                    strings(&[Some("a"), None, Some("a"), Some(long.as_str())]),
                ),
                ("first_name", s("Ana")),
                ("last_name", s("Lopez")),
                ("city", s("Chicago")),
                ("state", s("IL")),
                ("role", s("welder")),
                ("status", s("active")),
            ],
        );
        let report = ingest(&path, &emb, &index, IngestOptions::default()).unwrap();
        assert_eq!((report.rows_read, report.indexed), (4, 1));
        let reasons: Vec<(u64, &str)> = report
            .rejected
            .iter()
            .map(|r| (r.row, r.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], (1, "column 'worker_id' is null"));
        assert_eq!(reasons[1], (2, "duplicate worker_id 'a'"));
        assert_eq!(reasons[2], (3, "worker_id is 300 bytes, more than 256"));
        assert!(index.contains("a"));
        let cancelled = VectorIndex::new("cancelled", IndexConfig::new(32)).unwrap();
        let cancel = CancelToken::new();
        cancel.cancel();
        let err = ingest_with(
            &path,
            &emb,
            &cancelled,
            IngestOptions::default(),
            &Control::new().with_cancel(cancel),
        )
        .unwrap_err();
        assert_eq!(err.code(), "CANCELLED");
        assert!(cancelled.is_empty());

        write_batch(&path, vec![("worker_id", s("a")), ("first_name", s("Ana"))]);
        let fresh = VectorIndex::new("workers2", IndexConfig::new(32)).unwrap();
        let err = ingest(&path, &emb, &fresh, IngestOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("missing required column 'last_name'"),
            "{err}"
        );
        assert!(fresh.is_empty());

        let wrong_dim = VectorIndex::new("workers3", IndexConfig::new(48)).unwrap();
        let err = ingest(&path, &emb, &wrong_dim, IngestOptions::default()).unwrap_err();
        assert_eq!(err.code(), "INVALID_CONFIG");
    }
}
