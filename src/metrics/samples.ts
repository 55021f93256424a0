// What the metrics file records of one run, taken from its --json document: the run, and each
// item in each target (with several targets, an item's part in each store is a series of its own).
import type {RunOutcome} from '../cli/run-outcome.js'
import {isErrorDocument} from '../cli/run-outcome.js'
import type {BackupResult} from '../run/result.js'

export const ITEM_LABELS = ['project', 'service', 'scheme', 'item', 'target'] as const
export type ItemLabels = Record<(typeof ITEM_LABELS)[number], string>

export interface ItemSample {
  labels: ItemLabels
  ok: boolean
  seconds: number
  /** Unknown for an item that wrote nothing. */
  bytes?: number
  /** Only for an item that stopped containers. */
  downtimeSeconds?: number
}

export interface RunSample {
  /** Unix time the run ended, in seconds. */
  finishedAt: number
  durationSeconds: number
  exitCode: number
  /** None when the run ended with an error before its items ran. */
  items: ItemSample[]
}

export function runSample(outcome: RunOutcome<BackupResult>, startedAt: number, finishedAt: number): RunSample {
  const items = isErrorDocument(outcome.document) ? [] : itemSamples(outcome.document)
  return {finishedAt: finishedAt / 1000, durationSeconds: (finishedAt - startedAt) / 1000, exitCode: outcome.exitCode, items}
}

function itemSamples(result: BackupResult): ItemSample[] {
  return result.items.flatMap((item) => {
    const common = {project: item.project, service: item.service, scheme: item.scheme, item: item.item}
    const timing = {seconds: item.seconds, ...(item.downtimeSeconds === undefined ? {} : {downtimeSeconds: item.downtimeSeconds})}
    const parts = item.stores ?? [{target: result.target, status: item.status, bytes: item.bytes}]
    return parts.map((part) => ({
      labels: {...common, target: part.target},
      // A store that has the new version even though another did not: that target succeeded.
      ok: part.status === 'ok',
      ...timing,
      ...(part.bytes === undefined ? {} : {bytes: part.bytes}),
    }))
  })
}
