// The last success survives a failed night: a run that failed (or an item that did) carries the
// timestamp over from the metrics file it replaces, read back with a text-format parser.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import {readFile} from 'node:fs/promises'

import {METRIC} from './names.js'
import {ITEM_LABELS, type ItemLabels} from './samples.js'

export interface LastSuccess {
  run?: number
  /** By itemKey(labels). */
  items: Map<string, number>
}

/** The same for an item's labels as written and as parsed back. */
export function itemKey(labels: ItemLabels | Record<string, string>): string {
  return JSON.stringify(ITEM_LABELS.map((name) => labels[name] ?? ''))
}

/** What the file says; nothing when there is no file yet. Throws when it cannot be read or parsed. */
export async function readLastSuccess(file: string): Promise<LastSuccess> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {items: new Map()}
    throw error
  }
  const families = parsePrometheusTextFormat(text)
  const samples = (name: string) => families.find((family) => family.name === name)?.metrics ?? []
  // Number('') is 0: a sample the parser found no value for is none.
  const value = (sample: {value?: string}) => (sample.value?.trim() ? Number(sample.value) : Number.NaN)
  const [run] = samples(METRIC.runLastSuccess).map(value).filter(Number.isFinite)
  const items = new Map<string, number>()
  for (const sample of samples(METRIC.itemLastSuccess)) {
    if (Number.isFinite(value(sample))) items.set(itemKey(sample.labels ?? {}), value(sample))
  }
  return {...(run === undefined ? {} : {run}), items}
}
