// The metrics file's content in Prometheus' text format, through prom-client's gauges in a
// registry of this run's own (never the process-wide default one).
import {Gauge, Registry} from 'prom-client'

import {itemKey, type LastSuccess} from './last-success.js'
import {METRIC} from './names.js'
import {ITEM_LABELS, type RunSample} from './samples.js'

export async function renderMetrics(run: RunSample, previous: LastSuccess): Promise<string> {
  const registry = new Registry()
  const gauge = (name: string, help: string, labelled = false) =>
    new Gauge({name, help, registers: [registry], ...(labelled ? {labelNames: ITEM_LABELS} : {})})

  const ok = run.exitCode === 0
  const runSuccess = ok ? run.finishedAt : previous.run
  gauge(METRIC.runLast, 'Unix time the last backup run ended.').set(run.finishedAt)
  // An unlabelled gauge never set would read 0 (1970): without any success yet, no sample.
  if (runSuccess !== undefined) gauge(METRIC.runLastSuccess, 'Unix time the last backup run that succeeded ended (carried over while runs fail).').set(runSuccess)
  gauge(METRIC.runDuration, 'Seconds the last backup run took.').set(run.durationSeconds)
  gauge(METRIC.runStatus, '1 when the last backup run succeeded, else 0.').set(ok ? 1 : 0)
  gauge(METRIC.runExitCode, 'Exit code of the last backup run (0 ok, 1 an item failed, 2 usage, 3 locked, 130 interrupted).').set(run.exitCode)

  const bytes = gauge(METRIC.itemBytes, 'Bytes of the item\'s new version in the target.', true)
  const duration = gauge(METRIC.itemDuration, 'Seconds the item took.', true)
  const downtime = gauge(METRIC.itemDowntime, 'Seconds the item\'s containers were stopped.', true)
  const status = gauge(METRIC.itemStatus, '1 when the item\'s new version is in the target, else 0.', true)
  const lastSuccess = gauge(METRIC.itemLastSuccess, 'Unix time the item last succeeded in the target (carried over while it fails).', true)
  for (const item of run.items) {
    if (item.bytes !== undefined) bytes.set(item.labels, item.bytes)
    duration.set(item.labels, item.seconds)
    if (item.downtimeSeconds !== undefined) downtime.set(item.labels, item.downtimeSeconds)
    status.set(item.labels, item.ok ? 1 : 0)
    const success = item.ok ? run.finishedAt : previous.items.get(itemKey(item.labels))
    if (success !== undefined) lastSuccess.set(item.labels, success)
  }
  return registry.metrics()
}
