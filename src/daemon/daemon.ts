// `backupbot daemon`: runs the backup on a schedule, each run a child process of this same CLI,
// until SIGTERM/SIGINT. The arguments are checked once at the start with a dry run; after that
// nothing a run does (fail, crash, find the target locked) ends the daemon.
import type {ScheduleSettings} from '../config/settings/types.js'
import {EXIT, UsageError} from '../errors.js'
import type {Logger} from '../scheme.js'
import {type ChildExit, type RunningChild, startChild} from './child-run.js'
import {runOnSchedule} from './scheduler.js'

export interface DaemonLogger extends Logger {
  error(message: string): void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** Where SIGINT/SIGTERM come from: the process, or an emitter in tests. */
export interface SignalSource {
  on(event: (typeof SIGNALS)[number], listener: (signal: NodeJS.Signals) => void): unknown
  off(event: (typeof SIGNALS)[number], listener: (signal: NodeJS.Signals) => void): unknown
}

export interface DaemonRequest {
  /** Checked already (parseSchedule). */
  schedule: ScheduleSettings
  /** One run's command line: node, this CLI's bin, `backup` and the user's arguments. */
  backup: string[]
  log: DaemonLogger
  /** Where a run's output lines go: the daemon's stderr. */
  relay: (line: string) => void
  signals?: SignalSource
}

/** Resolves once a signal stopped the daemon and the run that was going has ended. */
export async function runDaemon(request: DaemonRequest): Promise<void> {
  const {log, signals = process} = request
  let child: RunningChild | undefined
  let stopping: (() => void) | undefined
  const stopped = new Promise<void>((resolve) => (stopping = resolve))
  let stopRequested = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (child) {
      log.warn(`${signal} received: passed on to the run that is going; waiting for it to end (it starts every container it stopped again)`)
      child.terminate()
    } else if (!stopRequested) log.info(`${signal} received: stopping`)
    stopRequested = true
    stopping!()
  }
  for (const name of SIGNALS) signals.on(name, onSignal)
  try {
    const run = async (argv: string[]) => {
      child = startChild(argv, request.relay)
      try {
        return await child.exited
      } finally {
        child = undefined
      }
    }

    await checkArguments(request.backup, run, log)
    if (stopRequested) return
    let count = 0
    const scheduled = runOnSchedule(
      request.schedule,
      async () => {
        // A tick in the moment between the signal and the schedule's stop.
        if (stopRequested) return
        const number = ++count
        log.info(`run ${number} started at ${new Date().toISOString()}`)
        reportRun(number, await run(request.backup), log)
      },
      log,
    )
    await stopped
    await scheduled.stop()
    log.info('daemon stopped')
  } finally {
    for (const name of SIGNALS) signals.off(name, onSignal)
  }
}

/**
 * `backup --dry-run` with the same arguments, once: a wrong flag or config file (exit 2) stops
 * the daemon before it waits hours for its first run. Any other failure (the engine not up
 * yet at boot) is only a warning: the runs may well succeed later.
 */
async function checkArguments(backup: string[], run: (argv: string[]) => Promise<ChildExit>, log: Logger): Promise<void> {
  const exit = await run(backup.includes('--dry-run') ? backup : [...backup, '--dry-run'])
  if (exit.code === EXIT.usage || exit.error) {
    throw new UsageError(`the backup arguments do not work: backup --dry-run ${exit.error ?? 'exited with 2'} (its output is above)`, [
      'give backup\'s arguments after --, as `backupbot backup` takes them: backupbot daemon --cron "0 3 * * *" -- --config backupbot.yaml --target /srv/backups',
    ])
  }
  // 130: a signal stopped the daemon during the check (runDaemon then returns).
  if (exit.code !== EXIT.ok && exit.code !== EXIT.interrupted) log.warn(`backup --dry-run exited with ${exit.code ?? exit.signal}: starting anyway, the runs may succeed later`)
}

/** A run's end in the daemon's log: ok, skipped (locked), or an error with its exit code. */
function reportRun(number: number, exit: ChildExit, log: DaemonLogger): void {
  const took = `after ${exit.seconds.toFixed(1)} s`
  if (exit.error) log.error(`run ${number} could not start: ${exit.error}`)
  else if (exit.code === EXIT.ok) log.info(`run ${number} finished ${took}: exit 0`)
  else if (exit.code === EXIT.locked) log.warn(`run ${number} skipped: another run holds the lock (exit 3, ${took})`)
  else if (exit.code === EXIT.interrupted) log.warn(`run ${number} interrupted ${took}: exit 130, its stopped containers started again`)
  else if (exit.code !== null) log.error(`run ${number} failed ${took}: exit ${exit.code} (${MEANINGS[exit.code] ?? 'unexpected'})`)
  else log.error(`run ${number} was killed by ${exit.signal} ${took}`)
}

const MEANINGS: Record<number, string> = {
  [EXIT.failed]: 'some item failed',
  [EXIT.usage]: 'usage or configuration error',
}
