// `--metrics-file`: after every backup run, whatever its outcome (also an error before any item
// ran, a refused lock, an interrupt), the file holds the run's metrics. Writing it is never what
// fails a backup: a problem is a warning.
import type {RunObserver, RunOutcome} from '../cli/run-outcome.js'
import {errorMessage} from '../errors.js'
import type {BackupResult} from '../run/result.js'
import type {Logger} from '../scheme.js'
import {type LastSuccess, readLastSuccess} from './last-success.js'
import {renderMetrics} from './render-metrics.js'
import {runSample} from './samples.js'
import {writeMetricsFile} from './write-metrics-file.js'

/** Observes a run from now (the run's duration starts here); nothing to do without a file. */
export function metricsRun(file: string | undefined, log: Logger, now: () => number = Date.now): RunObserver<BackupResult> {
  const startedAt = now()
  return {
    async finish(outcome: RunOutcome<BackupResult>) {
      if (file === undefined) return
      const sample = runSample(outcome, startedAt, now())
      try {
        await writeMetricsFile(file, await renderMetrics(sample, await previous(file, log)))
        log.debug(`metrics written to ${file}`)
      } catch (error) {
        log.warn(`cannot write the metrics file ${file}: ${errorMessage(error)} (the backup's outcome is unchanged)`)
      }
    },
  }
}

/** The last successes to carry over; an unreadable old file only loses them, with a warning. */
async function previous(file: string, log: Logger): Promise<LastSuccess> {
  try {
    return await readLastSuccess(file)
  } catch (error) {
    log.warn(`cannot read the last successes from the metrics file ${file}: ${errorMessage(error)}`)
    return {items: new Map()}
  }
}
