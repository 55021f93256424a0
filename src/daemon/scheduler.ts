// Runs a task on a cron schedule, one run at a time: a tick that comes while the previous run is
// still going is skipped with a warning (croner's protect).
import {Cron} from 'croner'

import type {ScheduleSettings} from '../config/settings/types.js'
import {errorMessage} from '../errors.js'
import type {Logger} from '../scheme.js'

export interface Scheduled {
  /** No further runs; resolves once the run that is going (if any) has ended. */
  stop(): Promise<void>
}

/** Starts the schedule (already checked by parseSchedule) and logs when the first run is due. */
export function runOnSchedule(schedule: ScheduleSettings, task: () => Promise<void>, log: Logger): Scheduled {
  let current: Promise<void> | undefined
  const logNext = () => {
    const next = job.nextRun()
    if (next) log.info(`next run at ${next.toISOString()}`)
    else log.warn('the schedule has no further run')
  }
  const job: Cron = new Cron(
    schedule.cron,
    {
      timezone: schedule.timezone,
      // croner fires at the due time's whole second and never early: that second is the tick skipped.
      protect: () => log.warn(`previous run still going: skipped the run due at ${wholeSecond(new Date()).toISOString()}`),
      // The task handles its own failures; this only keeps a bug in it from ending the daemon.
      catch: (error) => log.warn(`the run failed: ${errorMessage(error)}`),
    },
    async () => {
      current = task()
      try {
        await current
      } finally {
        current = undefined
        if (!job.isStopped()) logNext()
      }
    },
  )
  logNext()
  return {
    async stop() {
      job.stop()
      await current
    },
  }
}

function wholeSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}
