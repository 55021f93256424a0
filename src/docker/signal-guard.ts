// While containers are stopped, SIGINT/SIGTERM must not end the process before they run again.
// The guard turns those signals into an abort of the work, keeps the process alive through the
// restart (also on a second signal), and then lets the signal take effect if nobody else
// handles it, so a plain script still dies from its SIGTERM, only after the restart.
import type {Logger} from '../scheme.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
type GuardedSignal = (typeof SIGNALS)[number]

export interface SignalGuard {
  /** Aborted when a guarded signal arrives. */
  signal: AbortSignal
  /** From now on a signal only logs that the restart is being finished. */
  restarting(): void
  /** Removes the handlers; re-raises a received signal that no other handler takes. */
  release(): void
}

let active = 0

/** How many guards are up, i.e. whether some containers are stopped right now. */
export function containersStopped(): boolean {
  return active > 0
}

export function guardSignals(log: Logger, names: () => string): SignalGuard {
  active++
  const controller = new AbortController()
  const received = new Set<GuardedSignal>()
  let phase: 'stopped' | 'restarting' = 'stopped'
  const handler = (signal: GuardedSignal) => {
    received.add(signal)
    if (phase === 'restarting') {
      log.warn(`${signal} received: finishing the restart of ${names()} before exiting`)
      return
    }
    log.warn(`${signal} received: starting ${names()} again before exiting`)
    controller.abort(new Error(`interrupted by ${signal}`))
  }
  for (const signal of SIGNALS) process.on(signal, handler)
  let released = false
  return {
    signal: controller.signal,
    restarting: () => void (phase = 'restarting'),
    release() {
      if (released) return
      released = true
      active--
      for (const signal of SIGNALS) process.off(signal, handler)
      for (const signal of received) {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      }
    },
  }
}
