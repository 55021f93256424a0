// SIGINT/SIGTERM for commands that change things: the first signal aborts the work (which then
// cleans up: temporary files removed, stopped containers started again); a second one exits at
// once unless containers are still being started again (src/docker/signal-guard.ts).
import {containersStopped} from '../docker/signal-guard.js'
import type {Logger} from '../scheme.js'

export const INTERRUPTED_EXIT = 130

export async function withInterrupt<T>(log: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = new AbortController()
  // `on`, not `once`: a second signal must not kill the process while stopped containers are
  // being started again.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      log.warn(`${signal} received: stopping after cleanup`)
      interrupt.abort()
    } else if (!containersStopped()) {
      log.warn(`${signal} received again: exiting now`)
      process.exit(INTERRUPTED_EXIT)
    }
  }
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  try {
    return await work(interrupt.signal)
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}
