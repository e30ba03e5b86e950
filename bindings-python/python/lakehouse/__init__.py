"""lakehouse: the staffing platform's embeddable core, from Python.

Vector indexes with crash-safe storage, retrieval with playbook memory, validators for
outreach drafts and fill proposals, an evidence materializer and a replay runner. All
logic lives in the Rust core; this package converts types.

    >>> import lakehouse as lh
    >>> emb = lh.HashingEmbedder(64)
    >>> index = lh.VectorIndex("workers", dim=64)
    >>> index.upsert("w-1", emb.embed_one("forklift operator, Dayton OH"), {"city": "Dayton"})
    >>> index.search(emb.embed_one("forklift Dayton"), k=1)[0]["id"]
    'w-1'

Data (hits, verdicts, reports, records, configs, filters) is plain dicts and lists in
the core's JSON shape with snake_case keys; vectors are numpy float32 arrays. Errors are
:class:`LakehouseError` subclasses with ``.code`` and ``.details``.
"""

from __future__ import annotations

from . import filters
from ._lakehouse import (
    ERROR_CODES,
    CachedEmbedder,
    EmailValidator,
    FillValidator,
    HashingEmbedder,
    HttpEmbedder,
    Journal,
    Lakehouse,
    Materializer,
    OpenAiChat,
    ReplayRunner,
    Retriever,
    VectorIndex,
    __version__,
    generate_workers,
    generate_workers_parquet,
    ingest,
    load_cases_jsonl,
    read_evidence,
    read_workers,
    sms_segments,
    worker_metadata,
    worker_text,
    write_workers_parquet,
)
from .errors import (
    AlreadyExistsError,
    CallbackError,
    CancelledError,
    ClosedError,
    CorruptError,
    DimensionMismatchError,
    HttpError,
    InternalError,
    InvalidConfigError,
    InvalidInputError,
    IoError,
    JsonError,
    LakehouseError,
    LockedError,
    NotFoundError,
    ParquetError,
    ReadOnlyError,
    TimeoutError,
    error_class,
)
from .types import (
    Draft,
    Hit,
    IndexStats,
    IngestProgress,
    IngestReport,
    JobOrder,
    Proposal,
    Record,
    RetrievedHit,
    SearchResponse,
    Verdict,
    Violation,
    Worker,
)

__all__ = [
    "ERROR_CODES",
    "AlreadyExistsError",
    "CachedEmbedder",
    "CallbackError",
    "CancelledError",
    "ClosedError",
    "CorruptError",
    "DimensionMismatchError",
    "Draft",
    "EmailValidator",
    "FillValidator",
    "HashingEmbedder",
    "Hit",
    "HttpEmbedder",
    "HttpError",
    "IndexStats",
    "IngestProgress",
    "IngestReport",
    "InternalError",
    "InvalidConfigError",
    "InvalidInputError",
    "IoError",
    "JobOrder",
    "Journal",
    "JsonError",
    "Lakehouse",
    "LakehouseError",
    "LockedError",
    "Materializer",
    "NotFoundError",
    "OpenAiChat",
    "ParquetError",
    "Proposal",
    "ReadOnlyError",
    "Record",
    "ReplayRunner",
    "RetrievedHit",
    "Retriever",
    "SearchResponse",
    "TimeoutError",
    "VectorIndex",
    "Verdict",
    "Violation",
    "Worker",
    "__version__",
    "error_class",
    "filters",
    "generate_workers",
    "generate_workers_parquet",
    "ingest",
    "load_cases_jsonl",
    "read_evidence",
    "read_workers",
    "sms_segments",
    "worker_metadata",
    "worker_text",
    "write_workers_parquet",
]
