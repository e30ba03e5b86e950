/* Type definitions of lakehouse's Node/Bun binding.
 *
 * The data types below mirror the core's serde JSON shapes (snake_case keys, SPEC §8);
 * the classes and functions after them are generated from the Rust sources by
 * `napi build` (this header comes from bindings-node/types.d.ts). Do not edit
 * index.d.ts by hand: scripts/test.sh rebuilds it and fails when it differs.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** Every `.code` a lakehouse error carries. */
export type ErrorCode =
  | 'DIMENSION_MISMATCH'
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'LOCKED'
  | 'CORRUPT'
  | 'READ_ONLY'
  | 'IO'
  | 'PARQUET'
  | 'JSON'
  | 'HTTP'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'CALLBACK'
  | 'CLOSED'
  | 'INTERNAL'

/** Every `.code` a lakehouse error can carry (`Error::CODES` of the core). */
export declare const ERROR_CODES: readonly ErrorCode[]

/** What lakehouse throws and rejects with: a real `Error`. */
export interface LakehouseError extends Error {
  code: ErrorCode
  /** The values involved (the core's `Error::details()`). */
  details: JsonObject
  /** For `CALLBACK`: what the user's JS function threw or rejected with. */
  cause?: unknown
}

/** The last argument of long calls: progress reports and cancellation. */
export interface CallControl<P> {
  /** Called with a progress record after each unit of work; never awaited. */
  onProgress?: ((progress: P) => void) | null
  /** Aborting it stops the call with `CANCELLED`. */
  signal?: AbortSignal | null
}

// ---- index / store

export type Metric = 'cosine' | 'dot' | 'l2'

export interface IndexConfig {
  dim: number
  metric?: Metric
  m?: number
  ef_construction?: number
  ef_search?: number
  small_index_threshold?: number
  tombstone_ratio?: number
  exact_filter_max?: number
  background_rebuild_min?: number
}

/** A metadata predicate: `{field, eq}`, `{field, in}`, `{and}`, `{or}`, `{not}`. */
export type Filter =
  | { field: string; eq: JsonValue }
  | { field: string; in: JsonValue[] }
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }

export interface SearchOptions {
  exclude_ids?: string[]
  filter?: Filter | null
  ef?: number | null
}

export interface Hit {
  id: string
  score: number
  metadata: JsonValue
}

export interface IndexRecord {
  id: string
  vector: Float32Array
  metadata: JsonValue
}

export interface IndexStats {
  name: string
  dim: number
  metric: Metric
  live: number
  tombstones: number
  graph_state: 'exact' | 'ready' | 'rebuilding'
  graph_nodes: number
  recovered_panics: number
  rebuilds: number
  vector_bytes: number
  metadata_bytes: number
}

export type Durability = 'sync' | { buffered: { interval_ms: number } }

export interface StoreOptions {
  durability?: Durability
  snapshot_every?: number
  save_graph?: boolean
}

export interface OpenReport {
  generation: number
  snapshot_records: number
  wal_records_replayed: number
  wal_bytes_dropped: number
  graph_loaded: boolean
  graph_rebuilt_reason: string | null
  open_ms: number
}

export interface StoreStats {
  generation: number
  snapshot_requests: number
  snapshots_taken: number
  snapshot_failures: number
  last_snapshot_error: string | null
  wal_bytes: number
  [key: string]: JsonValue
}

// ---- embed

export interface HttpEmbedderConfig {
  url?: string
  api?: 'openai' | 'ollama'
  model?: string
  dim?: number
  api_key?: string | null
  batch_size?: number
  http?: HttpOptions
}

/** Timeouts, retries, proxy and roots shared by the embedding and chat clients. */
export interface HttpOptions {
  connect_timeout_ms?: number
  timeout_ms?: number
  max_retries?: number
  backoff_base_ms?: number
  backoff_max_ms?: number
  proxy?: string | null
  root_certs_pem?: string | null
}

export interface CacheStats {
  hits: number
  misses: number
  len: number
  capacity: number
}

// ---- corpus

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun'

export interface Certification {
  name: string
  /** `YYYY-MM-DD` */
  expires: string | null
}

export interface Worker {
  worker_id: string
  first_name: string
  last_name: string
  phone: string
  email: string
  city: string
  state: string
  zip: string
  role: string
  skills: string[]
  certifications: Certification[]
  years_experience: number
  hourly_rate: number
  availability: Weekday[]
  status: 'active' | 'inactive' | 'do_not_return'
  rating: number
  summary: string
}

export interface IngestOptions {
  batch_size?: number
  /** `YYYY-MM-DD` */
  as_of?: string | null
  parallel_batches?: number
}

export interface IngestProgress {
  rows_read: number
  indexed: number
  rejected: number
  total_rows: number
}

export interface RejectedRow {
  row: number
  worker_id: string | null
  reason: string
}

export interface IngestReport {
  rows_read: number
  indexed: number
  rejected: RejectedRow[]
  elapsed_ms: number
}

// ---- retrieve

export interface RetrieverConfig {
  cache_capacity?: number
  playbook_threshold?: number
  playbook_weight?: number
  playbook_k?: number
  playbook_ef?: number
  recent_playbooks?: number
}

export interface SearchRequest {
  query: string
  k?: number
  filter?: Filter | null
  exclude_ids?: string[]
  use_playbook?: boolean
  ef?: number | null
}

export interface RetrievedHit {
  id: string
  base_score: number
  boost: number
  score: number
  metadata: JsonValue
}

export interface SearchResponse {
  hits: RetrievedHit[]
  cached: boolean
  playbooks_used: string[]
}

// ---- validate

export type Severity = 'error' | 'warning'

export interface RuleOverride {
  enabled?: boolean | null
  severity?: Severity | null
}

export interface ValidatorConfig {
  rules?: Record<string, RuleOverride>
  agency_name?: string
  agency_phone?: string
  agency_address?: string
  agency_email?: string
  link_allow_list?: string[]
  max_sms_segments?: number
  max_subject_chars?: number
  weekly_hours_limit?: number
  context_before?: number
  context_after?: number
  minimum_wages?: Record<string, number>
  federal_minimum_wage?: number
}

export interface Draft {
  kind: 'email' | 'sms'
  to?: string
  subject?: string | null
  body: string
  recipient?: Worker | null
}

/** Byte offsets into the UTF-8 body (the wire format). */
export interface Span {
  start: number
  end: number
}

export interface Violation {
  code: string
  severity: Severity
  message: string
  span: Span | null
  /** The same range in JS string indices (UTF-16 units): `body.slice(start, end)`. */
  utf16_span?: Span
  worker_id: string | null
}

export interface Verdict {
  ok: boolean
  violations: Violation[]
}

export interface JobOrder {
  order_id: string
  client: string
  city: string
  state: string
  role: string
  headcount: number
  /** `YYYY-MM-DDTHH:MM:SS` */
  shift_start: string
  shift_end: string
  pay_rate: number
  required_certs?: string[]
}

export interface Proposal {
  order_id?: string
  worker_ids: string[]
}

export interface Assignment {
  worker_id: string
  order_id: string
  start: string
  end: string
}

export interface SegmentInfo {
  encoding: 'gsm7' | 'ucs2'
  units: number
  segments: number
}

// ---- materialize

export type EvidenceKind = 'generation' | 'validation' | 'retrieval' | 'feedback' | 'outcome' | 'audit'

/** What a transform derives from one journal line. */
export interface Evidence {
  source_key: string
  /** RFC 3339 timestamp */
  ts: string
  kind: EvidenceKind
  task: string
  input?: JsonValue
  output?: JsonValue
  label?: string | null
  model?: string | null
  prompt_tokens?: number | null
  completion_tokens?: number | null
  latency_ms?: number | null
  worker_ids?: string[]
  order_id?: string | null
  metadata?: JsonObject
}

export interface EvidenceRecord {
  schema: string
  id: string
  transform: string
  source_stream: string
  source_line: number
  ts: string
  day: string
  kind: EvidenceKind
  task: string
  input: JsonValue
  output: JsonValue
  label: string | null
  model: string | null
  prompt_tokens: number | null
  completion_tokens: number | null
  latency_ms: number | null
  worker_ids: string[]
  order_id: string | null
  metadata: JsonObject
}

export interface MaterializeConfig {
  batch_rows?: number
  row_group_rows?: number
  row_group_bytes?: number
  progress_every?: number
  quarantine_text_max?: number
}

export interface MaterializeProgress {
  run_id: string
  transform: string
  lines_read: number
  written: number
}

export interface Receipt {
  schema: string
  run_id: string
  seq: number
  started_at: string
  finished_at: string
  inputs: Record<string, JsonObject>
  transforms: Record<string, { lines_read: number; written: number; duplicates: number; quarantined: number }>
  written: number
  duplicates_skipped: number
  quarantined: number
  parts: string[]
  quarantine_file: string | null
  cleaned_leftovers: string[]
  ids_len: number
  timings: Record<string, number>
}

// ---- replay

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface ChatParams {
  temperature?: number | null
  max_tokens?: number | null
  json_mode?: boolean
  timeout_ms?: number | null
}

export interface Completion {
  content: string
  model: string
  prompt_tokens: number
  completion_tokens: number
}

/** What a JS chat function may return instead of a plain string. */
export interface ChatAnswer {
  content: string
  model?: string | null
  prompt_tokens?: number | null
  completion_tokens?: number | null
}

export interface OpenAiChatConfig {
  base_url?: string
  model?: string
  api_key?: string | null
  http?: HttpOptions
}

export interface ReplayCase {
  case_id: string
  kind: 'email' | 'sms' | 'fill'
  query: string
  task?: string
  recipient?: string | null
  job_order?: JobOrder | null
  original_label?: 'pass' | 'fail' | null
}

export interface ReplayOptions {
  concurrency?: number
  limit?: number | null
  dry_run?: boolean
  k?: number
  timeouts?: { retrieve_ms?: number; bundle_ms?: number; chat_ms?: number; validate_ms?: number }
  bundle?: {
    max_prompt_tokens?: number
    phone_policy?: 'never' | 'recipient_only' | 'all'
    agency_name?: string
    agency_address?: string
  }
  max_tokens?: number | null
  json_mode_for_fill?: boolean
  /** Fixed run id (1–128 of `[A-Za-z0-9._-]`); default: derived from the clock. */
  run_id?: string | null
}

export interface ReplayProgress {
  run_id: string
  done: number
  total: number
}

export interface ReplayRun {
  schema: string
  run_id: string
  case_id: string
  kind: 'email' | 'sms' | 'fill'
  ts: string
  model: string
  retrieved_ids: string[]
  dropped_ids: string[]
  prompt_sha256: string
  prompt_tokens: number | null
  completion_tokens: number | null
  response: string
  verdict: {
    ok: boolean
    violations: Array<{ code: string; severity: string; message: string; worker_id: string | null; span: Span | null }>
  }
  stage_ms: { retrieve: number; bundle: number; chat: number; validate: number }
  stage_us: { retrieve: number | null; bundle: number | null; chat: number | null; validate: number | null }
  original_label: 'pass' | 'fail' | null
  regression: boolean
  dry_run: boolean
  error: string | null
  error_stage: 'retrieve' | 'bundle' | 'chat' | 'validate' | 'log' | null
  error_code: string | null
}

export interface ReplayReport {
  run_id: string
  dry_run: boolean
  cases: number
  passed: number
  failed: number
  errors: number
  pass_rate: number
  failures_by_code: Record<string, number>
  errors_by_code: Record<string, number>
  regressions: number
  regression_case_ids: string[]
  fixed: number
  prompt_tokens: number
  completion_tokens: number
  stage_latency_ms: Record<string, { count: number; p50: number; p95: number; p99: number; max: number }>
  wall_ms: number
}

export interface ReplayOutcome {
  report: ReplayReport
  runs: ReplayRun[]
}

// ---- generated declarations follow
