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

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/** A chat model for replay. */
export declare class ChatModel {
  /** A client of an OpenAI-compatible `/v1/chat/completions` server. */
  static openai(config?: OpenAiChatConfig | null): ChatModel
  /**
   * A JS function as the model: `complete(messages, params)` returns or resolves to
   * the reply text, or to `{content, model?, prompt_tokens?, completion_tokens?}`
   * (token counts are estimated when missing).
   */
  static fromFunction(complete: (messages: ChatMessage[], params: ChatParams) => string | ChatAnswer | Promise<string | ChatAnswer>, model?: string | null): ChatModel
  /** The model name this client asks for. */
  get model(): string
  /** Answers a conversation. */
  complete(messages: ChatMessage[], params?: ChatParams | null): Promise<Completion>
}
export type JsChatModel = ChatModel

/** Checks outreach drafts (email and SMS) against the agency's rules. */
export declare class EmailValidator {
  /** A validator with `config` (`ValidatorConfig`; defaults when omitted). */
  constructor(config?: ValidatorConfig | null)
  /** Validates a draft (`{kind, to, subject, body, recipient}`). */
  validate(draft: Draft): Verdict
  /** Validates a draft written for a job order (pay and shift checks too). */
  validateForJob(draft: Draft, order: JobOrder): Verdict
}
export type JsEmailValidator = EmailValidator

/** Turns texts into vectors. */
export declare class Embedder {
  /** The deterministic feature-hashing embedder (no model, no network). */
  static hashing(dim: number): Embedder
  /** A client of an OpenAI-compatible or Ollama embedding server. */
  static http(config?: HttpEmbedderConfig | null): Embedder
  /** `inner` behind a thread-safe LRU of `capacity` texts. */
  static cached(inner: Embedder, capacity: number): Embedder
  /**
   * A JS function as the embedder: `embed(texts)` returns (or resolves to) one
   * `Float32Array` or number array of `dim` values per text.
   */
  static fromFunction(spec: { dim: number; model_id: string; embed: (texts: string[]) => Promise<Array<Float32Array | number[]>> | Array<Float32Array | number[]> }): Embedder
  /** Vector length. */
  get dim(): number
  /** Model identity (part of cache keys and evidence). */
  get modelId(): string
  /** Embeds `texts`, one `Float32Array` each. */
  embed(texts: string[]): Promise<Float32Array[]>
  /** Hit/miss counters of a cached embedder (`null` for others). */
  cacheStats(): CacheStats | null
}
export type JsEmbedder = Embedder

/**
 * Checks fill proposals against the roster (status, certifications, availability,
 * hours, do-not-return lists).
 */
export declare class FillValidator {
  /**
   * A validator with `config` and a roster of `workers`, their current
   * `assignments` and `do_not_return` lists (`{client: [worker ids]}`).
   */
  constructor(config: ValidatorConfig | null | undefined, roster: { workers: Worker[]; assignments?: Assignment[]; do_not_return?: Record<string, string[]> })
  /** Validates `proposal` (`{order_id, worker_ids}`) for `order`. */
  validate(order: JobOrder, proposal: Proposal): Verdict
  /** Books a worker for a shift (later proposals see it). */
  assign(assignment: Assignment): void
  /** Adds a worker to a client's do-not-return list. */
  addDoNotReturn(client: string, workerId: string): void
  /** Workers on the roster. */
  rosterSize(): number
}
export type JsFillValidator = FillValidator

/** The event journal of a knowledge-base directory (`<kb>/<stream>.jsonl`). */
export declare class Journal {
  /** Opens (creating if needed) the journal directory. */
  constructor(kbDir: string)
  /** The directory. */
  get dir(): string
  /**
   * Appends one event (a JSON object) as one line of `stream`; events of the known
   * streams are checked against their schema first.
   */
  append(stream: string, event: JsonObject): void
  /** The file of one stream. */
  path(stream: string): string
  /** Makes every appended line durable (fsync). */
  syncAll(): Promise<void>
}
export type JsJournal = Journal

/** A directory of durable named indexes (one writer per directory). */
export declare class Lakehouse {
  /** Opens (creating if needed) a lakehouse directory for writing. */
  static open(dir: string, options?: StoreOptions | null): Promise<Lakehouse>
  /** Opens a lakehouse directory read-only (no lock; writes fail with `READ_ONLY`). */
  static openReadOnly(dir: string): Promise<Lakehouse>
  /** The directory. */
  get path(): string
  /** Whether this handle was opened read-only. */
  get readOnly(): boolean
  /** Creates a new durable index (`ALREADY_EXISTS` if the name is taken). */
  createIndex(name: string, config: IndexConfig): Promise<VectorIndex>
  /** Opens an existing index (`NOT_FOUND` otherwise). */
  index(name: string): Promise<VectorIndex>
  /** Opens the index, creating it with `config` when it does not exist. */
  openOrCreate(name: string, config: IndexConfig): Promise<VectorIndex>
  /** Deletes an index and its files. */
  dropIndex(name: string): Promise<void>
  /** Names of the indexes in the directory, sorted. */
  list(): Array<string>
  /** Writes a snapshot of one index now (the log is cut after it). */
  snapshot(name: string): Promise<void>
  /** Makes every acknowledged write durable (fsync). */
  flush(): Promise<void>
  /**
   * Flushes, stops background work and releases the directory lock at once. Later
   * calls on this handle or its indexes fail with `CLOSED`. Idempotent.
   */
  close(): Promise<void>
  /** Storage counters of one index (`StoreStats`). */
  storeStats(name: string): StoreStats
  /**
   * What opening an index found and did (`OpenReport`), or `null` when it was not
   * opened by this handle.
   */
  lastOpenReport(name: string): OpenReport | null
}
export type JsLakehouse = Lakehouse

/** Turns journal streams into evidence records, incrementally and crash-safely. */
export declare class Materializer {
  /**
   * A materializer reading `<kbDir>/<stream>.jsonl` and writing under `outDir`,
   * with the built-in transforms registered.
   */
  constructor(kbDir: string, outDir: string, config?: MaterializeConfig | null)
  /**
   * Adds a JS transform (replacing one of the same name). `transform(line)` gets one
   * journal line of `stream` (default: `name`) and returns or resolves to an
   * `Evidence` object; a throw or a bad value sends the line to quarantine.
   */
  register(name: string, transform: (line: string) => Evidence | Promise<Evidence>, stream?: string | null): void
  /** Names of the registered transforms. */
  transformNames(): Array<string>
  /**
   * Runs once; resolves to the run's `Receipt`. `onProgress` gets a
   * `MaterializeProgress` every `progress_every` lines; `signal` cancels (nothing of
   * the run is committed, `CANCELLED`).
   */
  run(control?: CallControl<MaterializeProgress> | null): Promise<Receipt>
}
export type JsMaterializer = Materializer

/** Re-runs replay cases and logs one `replay_run.v1` line per case. */
export declare class ReplayRunner {
  /**
   * A runner logging to `<kbDir>/replay_runs.jsonl`. `setup.chat` is required;
   * `search` (a `Retriever`), `workers`, `validator` and `options` are optional.
   */
  constructor(kbDir: string, setup: { chat: ChatModel; search?: Retriever | null; workers?: Worker[]; validator?: ValidatorConfig | null; options?: ReplayOptions | null })
  /** The runner's options. */
  options(): ReplayOptions
  /**
   * Runs `cases`; resolves to the report and one run record per case. `onProgress`
   * gets a `ReplayProgress` after each case; `signal` skips the cases not started.
   */
  run(cases: ReplayCase[], control?: CallControl<ReplayProgress> | null): Promise<ReplayOutcome>
}
export type JsReplayRunner = ReplayRunner

/** Search over a workers index, boosted by recorded successful fills. */
export declare class Retriever {
  /**
   * A retriever over `workers` with playbook memory `playbooks` (both with the
   * embedder's dimension).
   */
  constructor(embedder: Embedder, workers: VectorIndex, playbooks: VectorIndex, config?: RetrieverConfig | null)
  /**
   * Searches for workers (`SearchRequest`: `query`, `k`, `filter`, `exclude_ids`,
   * `use_playbook`, `ef`).
   */
  search(request: SearchRequest): Promise<SearchResponse>
  /**
   * Records that `workerIds` filled `query` with `outcome` (default `"success"`);
   * resolves to the playbook id.
   */
  record(query: string, workerIds: string[], outcome?: 'success' | 'failure' | null): Promise<string>
  /** Hit/miss counters of the query-embedding cache. */
  cacheStats(): CacheStats
}
export type JsRetriever = Retriever

/** A named vector index (in memory, or durable when it comes from a `Lakehouse`). */
export declare class VectorIndex {
  /** An empty in-memory index. `config` is an `IndexConfig` (`dim` required). */
  constructor(name: string, config: IndexConfig)
  /** The index name. */
  get name(): string
  /** The vector dimension. */
  get dim(): number
  /** The index configuration. */
  config(): IndexConfig
  /** Inserts or replaces one record. */
  upsert(id: string, vector: Float32Array | number[], metadata?: JsonObject | null): Promise<void>
  /**
   * Inserts or replaces `ids.length` records at once. `vectors` is a flat
   * `Float32Array` of `ids.length × dim` values (or an array of vectors).
   */
  upsertBatch(ids: string[], vectors: Float32Array | number[] | Array<Float32Array | number[]>, metadata?: Array<JsonObject | null> | null): Promise<void>
  /** Deletes one record; resolves to whether it existed. */
  delete(id: string): Promise<boolean>
  /** Deletes many records; resolves to how many existed. */
  deleteBatch(ids: string[]): Promise<number>
  /** The `k` nearest records to `query`, best first. */
  search(query: Float32Array | number[], k: number, options?: SearchOptions | null): Promise<Hit[]>
  /**
   * The `k` nearest records of each query, searched in parallel. `queries` is a flat
   * `Float32Array` of `n × dim` values (or an array of vectors); resolves to one
   * `Hit[]` per query, in order.
   */
  searchBatch(queries: Float32Array | number[] | Array<Float32Array | number[]>, k: number, options?: SearchOptions | null): Promise<Hit[][]>
  /** The stored record (`vector` as a `Float32Array`), or `null`. */
  get(id: string): IndexRecord | null
  /** Whether a record with this id exists. */
  has(id: string): boolean
  /** Live records. */
  size(): number
  /** Counters (`IndexStats`). */
  stats(): IndexStats
}
export type JsVectorIndex = VectorIndex

/** `n` synthetic workers from `seed` (deterministic), as `Worker` objects. */
export declare function generateWorkers(n: number, seed: number): Worker[]

/**
 * Writes `n` synthetic workers from `seed` to a Parquet file; resolves to the rows
 * written.
 */
export declare function generateWorkersParquet(path: string, n: number, seed: number): Promise<number>

/**
 * Embeds every valid row of a workers Parquet file into `index`. `onProgress` gets an
 * `IngestProgress` after each batch; `signal` cancels between batches (`CANCELLED`).
 */
export declare function ingest(path: string, embedder: Embedder, index: VectorIndex, options?: IngestOptions | null, control?: CallControl<IngestProgress> | null): Promise<IngestReport>

/**
 * True when `e` is an `Error` thrown or rejected by lakehouse (its `.code` is one of
 * `ERROR_CODES` and it carries `.details`).
 */
export declare function isLakehouseError(e: unknown): e is LakehouseError

/** Parses replay cases from JSONL text. */
export declare function parseCasesJsonl(text: string): ReplayCase[]

/** Reads every evidence record under `outDir`. */
export declare function readEvidence(outDir: string): Promise<EvidenceRecord[]>

/**
 * Reads every worker of a Parquet file (a bad row fails the call; `ingest` skips
 * bad rows instead).
 */
export declare function readWorkers(path: string): Promise<Worker[]>

/** SMS encoding, units and segments of `text` (GSM 03.38 / UCS-2). */
export declare function smsSegments(text: string): SegmentInfo

/** Writes `workers` to a Parquet file; resolves to the rows written. */
export declare function writeWorkersParquet(path: string, workers: Worker[]): Promise<number>
