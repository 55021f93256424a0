// A metrics file as Prometheus reads it: parsed with a text-format parser, one sample looked up by
// name and labels.
import {expect} from 'chai'
import {readFile} from 'node:fs/promises'
import parsePrometheusTextFormat, {type ParsedFamily} from 'parse-prometheus-text-format'

export interface Metrics {
  families: ParsedFamily[]
  /** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined
  /** Every sample of `name`. */
  samples(name: string): Array<{value?: string; labels?: Record<string, string>}>
}

export async function readMetrics(file: string): Promise<Metrics> {
  const families = parsePrometheusTextFormat(await readFile(file, 'utf8'))
  const samples = (name: string) => families.find((f) => f.name === name)?.metrics ?? []
  return {
    families,
    samples,
    value(name, labels = {}) {
      const found = samples(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
      expect(found.length, `${name} ${JSON.stringify(labels)}: more than one sample`).to.be.at.most(1)
      return found[0] === undefined ? undefined : Number(found[0].value)
    },
  }
}
