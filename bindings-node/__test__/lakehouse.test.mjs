// The binding's one test suite, run by both `node --test` and `bun test`
// (scripts/test.sh). It checks conversion, errors, callbacks, cancellation and process
// exit; the core's logic is tested by `cargo test`. Flat `test()` calls only: bun runs
// node:test without subtests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const lh = require('../index.js')
const {
  Lakehouse,
  VectorIndex,
  Embedder,
  Retriever,
  EmailValidator,
  FillValidator,
  Journal,
  Materializer,
  ChatModel,
  ReplayRunner,
  ERROR_CODES,
  isLakehouseError,
  smsSegments,
  generateWorkers,
  generateWorkersParquet,
  writeWorkersParquet,
  readWorkers,
  ingest,
  readEvidence,
  parseCasesJsonl,
} = lh

const runtime = typeof globalThis.Bun !== 'undefined' ? 'bun' : 'node'

function tmp() {
  return mkdtempSync(join(tmpdir(), `lakehouse-${runtime}-`))
}

/** Asserts `e` is a lakehouse error with `code` and returns it. */
function isCode(code) {
  return (e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${e}`)
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`)
    assert.equal(typeof e.details, 'object')
    assert.ok(isLakehouseError(e))
    return true
  }
}

const unit = (dim, i) => {
  const v = new Float32Array(dim)
  v[i % dim] = 1
  return v
}

test('the module exports every class and function', () => {
  for (const cls of [Lakehouse, VectorIndex, Embedder, Retriever, EmailValidator, FillValidator, Journal, Materializer, ChatModel, ReplayRunner]) {
    assert.equal(typeof cls, 'function')
  }
  for (const fn of [isLakehouseError, smsSegments, generateWorkers, generateWorkersParquet, writeWorkersParquet, readWorkers, ingest, readEvidence, parseCasesJsonl]) {
    assert.equal(typeof fn, 'function')
  }
  assert.ok(Array.isArray(ERROR_CODES))
  for (const code of ['DIMENSION_MISMATCH', 'INVALID_INPUT', 'INVALID_CONFIG', 'NOT_FOUND', 'LOCKED', 'CANCELLED', 'CALLBACK', 'CLOSED', 'HTTP']) {
    assert.ok(ERROR_CODES.includes(code), code)
  }
  assert.equal(isLakehouseError(new Error('plain')), false)
  assert.equal(isLakehouseError('INVALID_INPUT'), false)
})

test('VectorIndex: Float32Array and plain arrays in, Float32Array out', async () => {
  const index = new VectorIndex('vecs', { dim: 4, metric: 'dot' })
  assert.equal(index.name, 'vecs')
  assert.equal(index.dim, 4)
  assert.equal(index.config().metric, 'dot')
  await index.upsert('a', new Float32Array([1, 0, 0, 0]), { city: 'Chicago', n: 1 })
  await index.upsert('b', [0, 1, 0, 0])
  await index.upsert('c', new Float64Array([0, 0, 1, 0]), { city: 'Gary' })
  assert.equal(index.size(), 3)
  assert.ok(index.has('b'))
  assert.ok(!index.has('zz'))
  const rec = index.get('a')
  assert.ok(rec.vector instanceof Float32Array)
  assert.deepEqual(Array.from(rec.vector), [1, 0, 0, 0])
  assert.deepEqual(rec.metadata, { city: 'Chicago', n: 1 })
  assert.equal(index.get('missing'), null)
  const hits = await index.search(new Float32Array([1, 0.5, 0, 0]), 2)
  assert.deepEqual(hits.map((h) => h.id), ['a', 'b'])
  assert.equal(hits[0].score, 1)
  assert.deepEqual(hits[0].metadata, { city: 'Chicago', n: 1 })
  const filtered = await index.search([0, 0, 1, 0], 3, { filter: { field: 'city', eq: 'Gary' } })
  assert.deepEqual(filtered.map((h) => h.id), ['c'])
  const excluded = await index.search([1, 0, 0, 0], 3, { exclude_ids: ['a'] })
  assert.ok(!excluded.some((h) => h.id === 'a'))
  const rows = await index.searchBatch(new Float32Array([1, 0, 0, 0, 0, 0, 1, 0]), 1)
  assert.deepEqual(rows.map((r) => r[0].id), ['a', 'c'])
  const nested = await index.searchBatch([[0, 1, 0, 0]], 1)
  assert.deepEqual(nested.map((r) => r[0].id), ['b'])
  await assert.rejects(index.searchBatch(new Float32Array(6), 1), isCode('INVALID_INPUT'))
  assert.equal(await index.delete('b'), true)
  assert.equal(await index.delete('b'), false)
  assert.equal(index.stats().live, 2)
})

test('VectorIndex: upsertBatch takes a flat Float32Array of n×dim or an array of vectors', async () => {
  const index = new VectorIndex('batch', { dim: 3 })
  const flat = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1])
  await index.upsertBatch(['x', 'y', 'z'], flat, [{ k: 1 }, null, { k: 3 }])
  assert.equal(index.size(), 3)
  assert.deepEqual(index.get('x').metadata, { k: 1 })
  assert.deepEqual(index.get('y').metadata, {})
  await index.upsertBatch(['p', 'q'], [[1, 1, 0], new Float32Array([0, 1, 1])])
  assert.equal(index.size(), 5)
  assert.equal(await index.deleteBatch(['p', 'q', 'nope']), 2)
  await assert.rejects(index.upsertBatch(['a', 'b'], new Float32Array(5)), isCode('INVALID_INPUT'))
  await assert.rejects(index.upsertBatch(['a'], [1, 2, 3], [{}, {}]), isCode('INVALID_INPUT'))
})

test('errors: sync throws carry code and details', () => {
  assert.throws(() => new VectorIndex('Bad Name!', { dim: 4 }), isCode('INVALID_INPUT'))
  assert.throws(() => new VectorIndex('ok', { dim: 4, ef_serach: 12 }), (e) => {
    isCode('INVALID_CONFIG')(e)
    assert.match(e.message, /ef_serach/)
    return true
  })
  assert.throws(() => new VectorIndex('ok', { dim: 0 }), isCode('INVALID_CONFIG'))
  assert.throws(() => new VectorIndex('ok', 'dim=4'), isCode('INVALID_INPUT'))
  assert.throws(() => new VectorIndex(42, { dim: 4 }), isCode('INVALID_INPUT'))
  const index = new VectorIndex('sync', { dim: 2 })
  assert.throws(() => index.get(7), isCode('INVALID_INPUT'))
  assert.throws(() => Embedder.hashing(-1), isCode('INVALID_INPUT'))
})

test('errors: Promise rejections carry code and details', async () => {
  const index = new VectorIndex('async', { dim: 4 })
  await assert.rejects(index.upsert('w-17', new Float32Array(3)), (e) => {
    isCode('DIMENSION_MISMATCH')(e)
    assert.equal(e.message, "vector for id 'w-17' has 3 values, index 'async' expects 4")
    assert.equal(e.details.expected, 4)
    assert.equal(e.details.got, 3)
    assert.equal(e.details.id, 'w-17')
    return true
  })
  await assert.rejects(index.upsert('a', [1, 'x', 0, 0]), isCode('INVALID_INPUT'))
  await assert.rejects(index.upsert('a', [NaN, 0, 0, 0]), isCode('INVALID_INPUT'))
  await assert.rejects(index.search([1, 0, 0, 0], 'ten'), isCode('INVALID_INPUT'))
  await assert.rejects(index.search([1, 0, 0, 0], 0), isCode('INVALID_INPUT'))
  await assert.rejects(index.search([1, 0, 0, 0], 3, { ef: 0 }), isCode('INVALID_CONFIG'))
  await assert.rejects(index.upsert('a', [1, 0, 0, 0], { when: () => 1 }), isCode('INVALID_INPUT'))
  assert.equal(index.size(), 0, 'failed writes change nothing')
})

test('Lakehouse: open, create, reopen, snapshot, flush, drop, close', async () => {
  const dir = tmp()
  try {
    const lake = await Lakehouse.open(dir, { durability: { buffered: { interval_ms: 50 } } })
    assert.equal(lake.path, dir)
    assert.equal(lake.readOnly, false)
    const idx = await lake.createIndex('workers', { dim: 4 })
    await idx.upsert('w-1', unit(4, 0), { big: 1764000000000 })
    await assert.rejects(lake.createIndex('workers', { dim: 4 }), isCode('ALREADY_EXISTS'))
    await assert.rejects(lake.index('nope'), isCode('NOT_FOUND'))
    const again = await lake.index('workers')
    assert.equal(again.size(), 1)
    const other = await lake.openOrCreate('playbooks', { dim: 4 })
    assert.equal(other.size(), 0)
    assert.deepEqual(lake.list(), ['playbooks', 'workers'])
    await lake.snapshot('workers')
    await lake.flush()
    assert.equal(typeof lake.storeStats('workers').generation, 'number')
    await lake.dropIndex('playbooks')
    assert.deepEqual(lake.list(), ['workers'])
    await lake.close()
    await lake.close()
    await assert.rejects(idx.upsert('w-2', unit(4, 1)), isCode('CLOSED'))
    const reopened = await Lakehouse.open(dir)
    const w = await reopened.index('workers')
    assert.deepEqual(w.get('w-1').metadata, { big: 1764000000000 })
    assert.ok(reopened.lastOpenReport('workers'))
    await reopened.close()
    const ro = await Lakehouse.openReadOnly(dir)
    assert.equal(ro.readOnly, true)
    await ro.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('Embedder: hashing, cached and HTTP embedders', async () => {
  const h = Embedder.hashing(16)
  assert.equal(h.dim, 16)
  assert.equal(typeof h.modelId, 'string')
  const vs = await h.embed(['forklift operator', 'welder'])
  assert.equal(vs.length, 2)
  assert.ok(vs[0] instanceof Float32Array)
  assert.equal(vs[0].length, 16)
  assert.equal(h.cacheStats(), null)
  const c = Embedder.cached(h, 10)
  await c.embed(['forklift operator'])
  await c.embed(['forklift operator'])
  assert.deepEqual(c.cacheStats(), { hits: 1, misses: 1, len: 1, capacity: 10 })
  await assert.rejects(h.embed('not an array'), isCode('INVALID_INPUT'))
  assert.throws(() => Embedder.cached({}, 10), isCode('INVALID_INPUT'))
  assert.throws(() => Embedder.http({ dim: 8, urll: 'x' }), isCode('INVALID_CONFIG'))
  const http = Embedder.http({ url: 'http://127.0.0.1:9', dim: 8, http: { timeout_ms: 500, max_retries: 0 } })
  await assert.rejects(http.embed(['x']), isCode('HTTP'))
})

test('Embedder.fromFunction: a JS async embedder, its errors as CALLBACK with .cause', async () => {
  let calls = 0
  const js = Embedder.fromFunction({
    dim: 3,
    model_id: 'js-test',
    embed: async (texts) => {
      calls += 1
      await new Promise((r) => setTimeout(r, 1))
      return texts.map((t) => (t.length % 2 ? new Float32Array([1, 0, 0]) : [0, 1, 0]))
    },
  })
  assert.equal(js.modelId, 'js-test')
  const out = await js.embed(['a', 'bb'])
  assert.deepEqual(out.map((v) => Array.from(v)), [[1, 0, 0], [0, 1, 0]])
  assert.ok(out[1] instanceof Float32Array)
  assert.equal(calls, 1)

  const boom = new TypeError('model unavailable')
  const rejecting = Embedder.fromFunction({ dim: 3, model_id: 'rej', embed: async () => { throw boom } })
  await assert.rejects(rejecting.embed(['x']), (e) => {
    isCode('CALLBACK')(e)
    assert.equal(e.cause, boom)
    assert.match(e.message, /model unavailable/)
    return true
  })
  const throwing = Embedder.fromFunction({ dim: 3, model_id: 'thr', embed: () => { throw boom } })
  await assert.rejects(throwing.embed(['x']), (e) => isCode('CALLBACK')(e) && e.cause === boom)
  const weird = Embedder.fromFunction({ dim: 3, model_id: 'bad', embed: async () => 'not vectors' })
  await assert.rejects(weird.embed(['x']), isCode('CALLBACK'))
  const badItem = Embedder.fromFunction({ dim: 3, model_id: 'bad2', embed: async () => [[1, 'x', 3]] })
  await assert.rejects(badItem.embed(['x']), isCode('CALLBACK'))
  const sync = Embedder.fromFunction({ dim: 3, model_id: 'sync', embed: (t) => t.map(() => [0, 0, 1]) })
  assert.deepEqual(Array.from((await sync.embed(['q']))[0]), [0, 0, 1])
  assert.throws(() => Embedder.fromFunction({ dim: 3, model_id: 'x', embed: 5 }), isCode('INVALID_INPUT'))
})

test('corpus: generate, write, read, ingest with a JS embedder and onProgress', async () => {
  const dir = tmp()
  try {
    const workers = generateWorkers(30, 7)
    assert.equal(workers.length, 30)
    assert.equal(typeof workers[0].worker_id, 'string')
    assert.deepEqual(generateWorkers(30, 7), workers, 'deterministic')
    const path = join(dir, 'w.parquet')
    assert.equal(await writeWorkersParquet(path, workers), 30)
    assert.deepEqual(await readWorkers(path), workers)
    const big = join(dir, 'big.parquet')
    assert.equal(await generateWorkersParquet(big, 200, 1), 200)

    const hashing = Embedder.hashing(32)
    const emb = Embedder.fromFunction({ dim: 32, model_id: 'js-hash', embed: (texts) => hashing.embed(texts) })
    const index = new VectorIndex('workers', { dim: 32 })
    const seen = []
    const report = await ingest(big, emb, index, { batch_size: 50 }, { onProgress: (p) => seen.push(p) })
    assert.equal(report.indexed, 200)
    assert.equal(index.size(), 200)
    await new Promise((r) => setTimeout(r, 20))
    assert.ok(seen.length >= 1, 'progress was reported')
    assert.equal(typeof seen[0].rows_read, 'number')
    await assert.rejects(ingest(join(dir, 'missing.parquet'), hashing, index), (e) => ['IO', 'PARQUET', 'NOT_FOUND'].includes(e.code))
    await assert.rejects(ingest(big, hashing, index, { batch_sise: 3 }), isCode('INVALID_CONFIG'))
    await assert.rejects(ingest(big, hashing, {}, {}), isCode('INVALID_INPUT'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('AbortSignal cancels a long call, before and during', async () => {
  const dir = tmp()
  try {
    const path = join(dir, 'w.parquet')
    await generateWorkersParquet(path, 400, 3)
    const hashing = Embedder.hashing(16)
    const index = new VectorIndex('cancel', { dim: 16 })
    await assert.rejects(
      ingest(path, hashing, index, {}, { signal: AbortSignal.abort() }),
      isCode('CANCELLED'),
    )
    assert.equal(index.size(), 0)
    const ac = new AbortController()
    let batches = 0
    const slow = Embedder.fromFunction({
      dim: 16,
      model_id: 'slow',
      embed: async (texts) => {
        batches += 1
        if (batches === 2) ac.abort()
        await new Promise((r) => setTimeout(r, 5))
        return hashing.embed(texts)
      },
    })
    await assert.rejects(
      ingest(path, slow, index, { batch_size: 20, parallel_batches: 1 }, { signal: ac.signal }),
      isCode('CANCELLED'),
    )
    assert.ok(index.size() < 400, `stopped early (${index.size()} indexed)`)
    await assert.rejects(ingest(path, hashing, index, {}, { signal: 'stop' }), isCode('INVALID_INPUT'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('Retriever: search and record through the playbook memory', async () => {
  const emb = Embedder.hashing(64)
  const workers = new VectorIndex('workers', { dim: 64 })
  const playbooks = new VectorIndex('playbooks', { dim: 64 })
  const people = generateWorkers(40, 11)
  const texts = people.map((w) => `${w.role} in ${w.city} ${w.skills.join(' ')}`)
  const vecs = await emb.embed(texts)
  await workers.upsertBatch(people.map((w) => w.worker_id), vecs, people.map((w) => ({ city: w.city, role: w.role })))
  const r = new Retriever(emb, workers, playbooks, { cache_capacity: 16 })
  const first = await r.search({ query: 'forklift operator', k: 5 })
  assert.equal(first.hits.length, 5)
  assert.equal(typeof first.hits[0].base_score, 'number')
  const id = await r.record('forklift operator', [first.hits[4].id])
  assert.equal(typeof id, 'string')
  const warm = await r.search({ query: 'forklift operator', k: 5, use_playbook: true })
  assert.ok(warm.playbooks_used.length >= 1)
  assert.equal(warm.hits[0].id, first.hits[4].id)
  assert.equal(r.cacheStats().capacity, 16)
  await assert.rejects(r.search({ query: 'x', k: 5, bogus: 1 }), isCode('INVALID_CONFIG'))
  await assert.rejects(r.record('q', ['w'], 'maybe'), isCode('INVALID_INPUT'))
  assert.throws(() => new Retriever(Embedder.hashing(8), workers, playbooks), isCode('INVALID_CONFIG'))
})

test('validators: verdicts with byte and UTF-16 spans, fills, SMS segments', () => {
  const v = new EmailValidator()
  const body = 'Hi 👋 Ana, your SSN 123-45-6789 is on file. Lakeside Staffing, 555-123-4567'
  const verdict = v.validate({ kind: 'email', to: 'ana@example.com', subject: 'Shift', body })
  assert.equal(verdict.ok, false)
  const ssn = verdict.violations.find((x) => x.utf16_span && body.slice(x.utf16_span.start, x.utf16_span.end).includes('123-45-6789'))
  assert.ok(ssn, JSON.stringify(verdict.violations))
  assert.ok(ssn.span.start > ssn.utf16_span.start, 'byte offsets differ from UTF-16 ones after the emoji')
  assert.throws(() => v.validate({ kind: 'fax', body: 'x' }), isCode('INVALID_INPUT'))
  assert.throws(() => new EmailValidator({ max_sms_segmnts: 2 }), isCode('INVALID_CONFIG'))

  const people = generateWorkers(5, 2)
  const fill = new FillValidator(null, { workers: people, do_not_return: { 'Acme': [people[0].worker_id] } })
  assert.equal(fill.rosterSize(), 5)
  const order = {
    order_id: 'o-1', client: 'Acme', city: people[0].city, state: people[0].state, role: people[0].role,
    headcount: 1, shift_start: '2026-11-30T08:00:00', shift_end: '2026-11-30T16:00:00', pay_rate: 30,
  }
  const fv = fill.validate(order, { order_id: 'o-1', worker_ids: [people[0].worker_id] })
  assert.equal(fv.ok, false)
  assert.ok(fv.violations.some((x) => x.worker_id === people[0].worker_id))
  fill.addDoNotReturn('Beta', people[1].worker_id)
  fill.assign({ worker_id: people[2].worker_id, order_id: 'o-0', start: '2026-11-30T08:00:00', end: '2026-11-30T12:00:00' })
  assert.throws(() => fill.assign({ worker_id: 'ghost', order_id: 'o', start: '2026-11-30T08:00:00', end: '2026-11-30T09:00:00' }), isCode('NOT_FOUND'))
  assert.throws(() => new FillValidator(null, {}), isCode('INVALID_INPUT'))

  assert.deepEqual(smsSegments('hello'), { encoding: 'gsm7', units: 5, segments: 1 })
  assert.equal(smsSegments('👋').encoding, 'ucs2')
  assert.throws(() => smsSegments(5), isCode('INVALID_INPUT'))
})

test('Journal, Materializer with a JS transform, readEvidence', async () => {
  const dir = tmp()
  try {
    const kb = join(dir, 'kb')
    const out = join(dir, 'out')
    const j = new Journal(kb)
    assert.equal(j.dir, kb)
    for (let i = 0; i < 5; i++) {
      j.append('pings', { event_id: `p${i}`, ts: new Date(Date.UTC(2026, 10, 25, 10, i)), n: i })
    }
    j.append('pings', { event_id: 'bad', ts: 'not a time' })
    await j.syncAll()
    const lines = readFileSync(j.path('pings'), 'utf8').trim().split('\n')
    assert.equal(lines.length, 6)
    assert.deepEqual(JSON.parse(lines[0]), { event_id: 'p0', ts: '2026-11-25T10:00:00.000Z', n: 0 })
    assert.throws(() => j.append('pings', [1, 2]), isCode('INVALID_INPUT'))
    assert.throws(() => j.append('Bad Stream', {}), isCode('INVALID_INPUT'))

    const m = new Materializer(kb, out, { progress_every: 1 })
    m.register('pings', async (line) => {
      const e = JSON.parse(line)
      if (Number.isNaN(Date.parse(e.ts))) throw new Error(`bad ts ${e.ts}`)
      return { source_key: e.event_id, ts: e.ts, kind: 'audit', task: 'ping', metadata: { n: e.n } }
    })
    assert.ok(m.transformNames().includes('pings'))
    const progress = []
    const receipt = await m.run({ onProgress: (p) => progress.push(p) })
    assert.equal(receipt.written, 5)
    assert.equal(receipt.quarantined, 1)
    const ev = await readEvidence(out)
    assert.equal(ev.length, 5)
    assert.deepEqual(ev.map((r) => r.metadata.n).sort(), [0, 1, 2, 3, 4])
    const again = await m.run()
    assert.equal(again.written, 0)
    await assert.rejects(m.run({ signal: AbortSignal.abort() }), isCode('CANCELLED'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('replay: a JS async chat model, the OpenAI client, cases', async () => {
  const dir = tmp()
  try {
    const people = generateWorkers(20, 5)
    const seen = []
    const chat = ChatModel.fromFunction(async (messages, params) => {
      seen.push(params)
      await new Promise((r) => setTimeout(r, 1))
      return { content: 'Subject: Shift tomorrow\n\nHi, a forklift shift is open. Lakeside Staffing, 555-123-4567', model: 'js-chat' }
    }, 'js-chat')
    assert.equal(chat.model, 'js-chat')
    const c = await chat.complete([{ role: 'user', content: 'hi' }])
    assert.equal(c.model, 'js-chat')
    assert.equal(typeof c.prompt_tokens, 'number')
    const cases = parseCasesJsonl(
      '{"case_id":"c1","kind":"email","query":"forklift operator","recipient":"' + people[0].worker_id + '"}\n' +
      '{"case_id":"c2","kind":"sms","query":"welder","recipient":"' + people[1].worker_id + '"}\n',
    )
    assert.equal(cases.length, 2)
    const emb = Embedder.hashing(32)
    const index = new VectorIndex('workers', { dim: 32 })
    await index.upsertBatch(people.map((w) => w.worker_id), await emb.embed(people.map((w) => `${w.role} ${w.city}`)))
    const search = new Retriever(emb, index, new VectorIndex('playbooks', { dim: 32 }))
    const runner = new ReplayRunner(join(dir, 'kb'), { chat, search, workers: people, options: { concurrency: 2, run_id: 'r-1' } })
    assert.equal(runner.options().run_id, 'r-1')
    const outcome = await runner.run(cases)
    assert.equal(outcome.report.cases, 2)
    assert.equal(outcome.runs.length, 2)
    assert.ok(outcome.runs.every((r) => r.model === 'js-chat' && r.run_id === 'r-1'))
    assert.ok(seen.length >= 2)

    const boom = new RangeError('rate limited')
    const failing = ChatModel.fromFunction(() => Promise.reject(boom))
    await assert.rejects(failing.complete([{ role: 'user', content: 'x' }]), (e) => isCode('CALLBACK')(e) && e.cause === boom)
    const wrong = ChatModel.fromFunction(async () => ({ text: 'no content field' }))
    await assert.rejects(wrong.complete([{ role: 'user', content: 'x' }]), isCode('CALLBACK'))
    const openai = ChatModel.openai({ base_url: 'http://127.0.0.1:9', http: { max_retries: 0, connect_timeout_ms: 300 } })
    await assert.rejects(openai.complete([{ role: 'user', content: 'x' }]), isCode('HTTP'))
    assert.throws(() => new ReplayRunner(join(dir, 'kb'), { chat: {} }), isCode('INVALID_INPUT'))
    assert.throws(() => new ReplayRunner(join(dir, 'kb'), { chat, options: { concurency: 2 } }), isCode('INVALID_CONFIG'))
    await assert.rejects(runner.run(cases, { signal: AbortSignal.abort() }), isCode('CANCELLED'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** Runs `script` in a child of this runtime; resolves to its exit code, or rejects
 * when it has not exited after `ms` (then it is killed). */
function runChild(script, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`child did not exit within ${ms} ms under ${runtime}; output:\n${output}`))
    }, ms)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output })
    })
  })
}

test('a script that opens, writes (with a JS embedder and progress) and closes exits by itself', async () => {
  const dir = tmp()
  try {
    const script = join(dir, 'child.mjs')
    writeFileSync(script, `
      import { createRequire } from 'node:module'
      const require = createRequire(${JSON.stringify(join(here, 'x.js'))})
      const lh = require('../index.js')
      const lake = await lh.Lakehouse.open(${JSON.stringify(join(dir, 'lake'))})
      const idx = await lake.createIndex('w', { dim: 8 })
      const emb = lh.Embedder.fromFunction({ dim: 8, model_id: 'child', embed: async (t) => t.map(() => new Float32Array(8).fill(0.5)) })
      const [v] = await emb.embed(['hello'])
      await idx.upsert('a', v, { n: 1 })
      const ac = new AbortController()
      const path = ${JSON.stringify(join(dir, 'w.parquet'))}
      await lh.generateWorkersParquet(path, 50, 1)
      await lh.ingest(path, emb, idx, { batch_size: 10 }, { onProgress: () => {}, signal: ac.signal })
      console.log('indexed', idx.size())
      await lake.close()
    `)
    const { code, output } = await runChild(script, 30_000)
    assert.equal(code, 0, output)
    assert.match(output, /indexed 51/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
