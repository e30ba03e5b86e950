// The README's Node example, type-checked by `tsc --noEmit -p __test__` against the
// generated index.d.ts (scripts/test.sh). Run it with `node --experimental-strip-types`
// or `bun example.ts` from bindings-node/__test__/.
import {
  Embedder,
  EmailValidator,
  Lakehouse,
  isLakehouseError,
  smsSegments,
  type Hit,
  type IngestProgress,
  type Verdict,
} from '../index.js'

export async function main(dir: string): Promise<Hit[]> {
  const lake = await Lakehouse.open(dir)
  try {
    const workers = await lake.openOrCreate('workers', { dim: 4, metric: 'cosine' })
    await workers.upsert('w-1', new Float32Array([0.9, 0.1, 0, 0]), { city: 'Chicago', role: 'welder' })
    await workers.upsertBatch(['w-2', 'w-3'], new Float32Array([0.8, 0.2, 0.1, 0, 0, 0, 1, 0]), [
      { city: 'Gary', role: 'welder' },
      { city: 'Chicago', role: 'cna' },
    ])
    const hits: Hit[] = await workers.search([1, 0, 0, 0], 2, {
      filter: { field: 'role', eq: 'welder' },
      exclude_ids: ['w-2'],
    })

    try {
      await workers.upsert('w-4', [1, 0], {})
    } catch (e) {
      if (isLakehouseError(e) && e.code === 'DIMENSION_MISMATCH') {
        console.log(e.message, e.details.expected)
      } else {
        throw e
      }
    }

    // A JS async function as the embedder (e.g. calling a model server with fetch).
    const embedder = Embedder.fromFunction({
      dim: 4,
      model_id: 'toy',
      embed: async (texts: string[]) => texts.map((t) => new Float32Array([t.length, 1, 0, 0])),
    })
    const [v] = await embedder.embed(['forklift'])
    await workers.upsert('w-5', v)

    const verdict: Verdict = new EmailValidator().validate({
      kind: 'sms',
      body: 'Shift at 8am tomorrow. Reply YES. Lakeside Staffing 555-123-4567',
    })
    console.log(verdict.ok, smsSegments('Shift at 8am').segments)

    const onProgress = (p: IngestProgress) => console.log(p.indexed, '/', p.total_rows)
    void onProgress
    return hits
  } finally {
    await lake.close()
  }
}
