"""The JSON shapes that cross the binding, as TypedDicts (for type checkers and
readers; at run time they are plain dicts). Field names and meanings are the core's
serde types of the same name; the Rust docs are the reference.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt

__all__ = [
    "CacheStats",
    "Certification",
    "ChatMessage",
    "Completion",
    "Draft",
    "EvidenceRecord",
    "Hit",
    "IndexStats",
    "IngestProgress",
    "IngestReport",
    "JobOrder",
    "MaterializeProgress",
    "OpenReport",
    "Proposal",
    "Receipt",
    "Record",
    "RejectedRow",
    "ReplayOutcome",
    "ReplayProgress",
    "ReplayReport",
    "RetrievedHit",
    "SearchResponse",
    "SegmentInfo",
    "StoreStats",
    "Verdict",
    "Violation",
    "Worker",
]


class Hit(TypedDict):
    id: str
    score: float
    metadata: Any


class Record(TypedDict):
    id: str
    vector: npt.NDArray[np.float32]
    metadata: Any


class IndexStats(TypedDict):
    name: str
    dim: int
    metric: Literal["cosine", "dot", "l2"]
    live: int
    tombstones: int
    graph_state: Literal["exact", "ready", "rebuilding"]
    graph_nodes: int
    recovered_panics: int
    rebuilds: int
    vector_bytes: int
    metadata_bytes: int


class OpenReport(TypedDict):
    generation: int
    snapshot_records: int
    wal_records_replayed: int
    wal_bytes_dropped: int
    graph_loaded: bool
    graph_rebuilt_reason: str | None
    open_ms: int


class StoreStats(TypedDict, total=False):
    generation: int
    snapshot_requests: int
    snapshots_taken: int
    snapshot_failures: int
    last_snapshot_error: str | None
    wal_bytes: int


class Certification(TypedDict):
    name: str
    expires: str | None


class Worker(TypedDict):
    worker_id: str
    first_name: str
    last_name: str
    phone: str
    email: str
    city: str
    state: str
    zip: str
    role: str
    skills: list[str]
    certifications: list[Certification]
    years_experience: int
    hourly_rate: float
    availability: list[str]
    status: str
    rating: float
    summary: str


class IngestProgress(TypedDict):
    rows_read: int
    indexed: int
    rejected: int
    total_rows: int


class RejectedRow(TypedDict):
    row: int
    worker_id: str | None
    reason: str


class IngestReport(TypedDict):
    rows_read: int
    indexed: int
    rejected: list[RejectedRow]
    elapsed_ms: int


class RetrievedHit(TypedDict):
    id: str
    base_score: float
    boost: float
    score: float
    metadata: Any


class SearchResponse(TypedDict):
    hits: list[RetrievedHit]
    cached: bool
    playbooks_used: list[str]


class CacheStats(TypedDict):
    hits: int
    misses: int
    len: int
    capacity: int


class _ViolationBase(TypedDict):
    code: str
    severity: Literal["error", "warning"]
    message: str
    span: dict[str, int] | None
    worker_id: str | None


class Violation(_ViolationBase, total=False):
    char_span: tuple[int, int]


class Verdict(TypedDict):
    ok: bool
    violations: list[Violation]


class _DraftBase(TypedDict):
    kind: Literal["email", "sms"]
    body: str


class Draft(_DraftBase, total=False):
    to: str
    subject: str | None
    recipient: Worker | None


class _JobOrderBase(TypedDict):
    order_id: str
    client: str
    city: str
    state: str
    role: str
    headcount: int
    shift_start: str
    shift_end: str
    pay_rate: float


class JobOrder(_JobOrderBase, total=False):
    required_certs: list[str]


class _ProposalBase(TypedDict):
    worker_ids: list[str]


class Proposal(_ProposalBase, total=False):
    order_id: str


class SegmentInfo(TypedDict):
    encoding: str
    units: int
    segments: int


class MaterializeProgress(TypedDict):
    run_id: str
    transform: str
    lines_read: int
    written: int


class Receipt(TypedDict, total=False):
    schema: str
    run_id: str
    seq: int
    started_at: str
    finished_at: str
    inputs: dict[str, Any]
    transforms: dict[str, Any]
    written: int
    duplicates_skipped: int
    quarantined: int
    parts: list[str]
    quarantine_file: str | None
    cleaned_leftovers: list[str]
    ids_len: int
    timings: dict[str, int]


class EvidenceRecord(TypedDict):
    schema: str
    id: str
    transform: str
    source_stream: str
    source_line: int
    ts: str
    day: str
    kind: str
    task: str
    input: Any
    output: Any
    label: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int | None
    worker_ids: list[str]
    order_id: str | None
    metadata: dict[str, Any]


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Completion(TypedDict):
    content: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class ReplayReport(TypedDict, total=False):
    run_id: str
    dry_run: bool
    cases: int
    passed: int
    failed: int
    errors: int
    pass_rate: float
    failures_by_code: dict[str, int]
    errors_by_code: dict[str, int]
    regressions: int
    regression_case_ids: list[str]
    fixed: int
    prompt_tokens: int
    completion_tokens: int
    stage_latency_ms: dict[str, Any]
    wall_ms: float


class ReplayProgress(TypedDict):
    run_id: str
    done: int
    total: int


class ReplayOutcome(TypedDict):
    report: ReplayReport
    runs: list[dict[str, Any]]
