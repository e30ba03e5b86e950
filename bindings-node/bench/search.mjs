// The JS side of the binding benchmark (bench/run.sh), run by Node and by Bun:
// single-query search QPS over the lakehouse bench/rust.rs built, and validator
// calls/s, measured the same way as the Rust side. Prints one JSON line.
//
//   node bench/search.mjs DIR [DIM] [QUERIES]     (or: bun bench/search.mjs …)
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const { Lakehouse, EmailValidator } = require('../index.js')

const [dir, dimArg, queriesArg] = process.argv.slice(2)
const dim = Number(dimArg ?? 768)
const queries = Number(queriesArg ?? 2000)

// Same generator as bench/rust.rs.
let state = 0x0bad5eed >>> 0
function next() {
  state ^= state << 13
  state >>>= 0
  state ^= state >>> 17
  state ^= state << 5
  state >>>= 0
  return state
}
function vector() {
  const v = new Float32Array(dim)
  for (let i = 0; i < dim; i++) v[i] = (next() / 4294967296) * 2 - 1
  return v
}

const lake = await Lakehouse.openReadOnly(dir)
const index = await lake.index('bench')
const qs = Array.from({ length: queries }, vector)
for (const q of qs.slice(0, 200)) await index.search(q, 10)
let t = performance.now()
const cpu = process.cpuUsage()
let hits = 0
for (const q of qs) hits += (await index.search(q, 10)).length
const searchQps = queries / ((performance.now() - t) / 1000)
const used = process.cpuUsage(cpu)
// Queries per CPU second of the whole process (all threads): on a shared machine this
// compares runtimes better than wall time.
const searchQpsCpu = queries / Math.max((used.user + used.system) / 1e6, 0.01)

const draft = JSON.parse(readFileSync(new URL('./draft.json', import.meta.url), 'utf8'))
const validator = new EmailValidator()
const calls = 20000
let ok = 0
for (let i = 0; i < 2000; i++) validator.validate(draft)
t = performance.now()
for (let i = 0; i < calls; i++) ok += validator.validate(draft).ok ? 1 : 0
const validatePerS = calls / ((performance.now() - t) / 1000)
await lake.close()
console.log(JSON.stringify({
  runtime: typeof Bun !== 'undefined' ? 'bun' : 'node', n: index.size(), dim, queries,
  search_qps: Math.round(searchQps), search_qps_cpu: Math.round(searchQpsCpu), hits, validate_per_s: Math.round(validatePerS), valid: ok,
}))
