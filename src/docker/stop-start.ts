// Stopping containers returns the function that starts them again (offen/docker-volume-backup's
// shape). Every stop is written to the restart journal before it happens, so a backupbot killed
// in between leaves a record the next run acts on.
import type Docker from 'dockerode'

import type {ContainerRef, Logger} from '../scheme.js'
import {containerState, startContainer, stopContainer, type StartOptions} from './containers.js'
import {engineMessage} from './engine-errors.js'
import {guardSignals} from './signal-guard.js'

/** What stop/start needs of the restart journal (src/run/restart-journal.ts implements it). */
export interface StopJournal {
  /** Durably records that the container is about to be stopped. */
  record(container: {id: string; name: string; project: string}): Promise<void>
  /** Forgets it once it runs again. */
  remove(id: string): Promise<void>
}

export interface StopContext {
  docker: Docker
  journal: StopJournal
  log: Logger
  /** Compose project the containers belong to (recorded in the journal). */
  project: string
  /** Aborts the stopping (and, in withStopped, the wait for the work). */
  signal?: AbortSignal
  start?: StartOptions
}

/** Starts again what was stopped, in reverse order. Idempotent; throws only after trying all. */
export type Restart = (() => Promise<void>) & {readonly names: string[]}

export async function stopContainers(ctx: StopContext, refs: ContainerRef[]): Promise<Restart> {
  const stopped: Array<{id: string; name: string}> = []
  const restart = restartFunction(ctx, stopped)
  const unique = [...new Map(refs.map((r) => [r.id, r])).values()]
  let current = ''
  try {
    for (const ref of unique) {
      current = ref.name
      ctx.signal?.throwIfAborted()
      // The ref may be stale: only what runs now is stopped (and later started).
      const state = await containerState(ctx.docker, ref.id)
      if (!state?.running) {
        ctx.log.debug(`${ref.name} is not running: left as it is`)
        continue
      }
      await ctx.journal.record({id: state.id, name: state.name, project: ctx.project})
      stopped.push({id: state.id, name: state.name})
      ctx.log.info(`stopping ${state.name}`)
      await stopContainer(ctx.docker, state.id)
    }
    ctx.signal?.throwIfAborted()
  } catch (error) {
    // Never leave a partial stop behind: whatever was stopped runs again before we report.
    const aborted = ctx.signal?.aborted === true
    const cause: unknown = aborted ? ctx.signal!.reason : error
    const message = aborted ? engineMessage(cause) : `stopping ${current}: ${engineMessage(error)}`
    try {
      await restart()
    } catch (restartError) {
      throw new Error(`${message}; then ${engineMessage(restartError)}`)
    }
    throw aborted ? cause : new Error(message)
  }
  return restart
}

function restartFunction(ctx: StopContext, stopped: Array<{id: string; name: string}>): Restart {
  let running: Promise<void> | undefined
  const restart = () => (running ??= startAll(ctx, stopped))
  return Object.defineProperty(restart, 'names', {get: () => stopped.map((s) => s.name)}) as Restart
}

async function startAll(ctx: StopContext, stopped: Array<{id: string; name: string}>): Promise<void> {
  const failures: string[] = []
  for (const {id, name} of [...stopped].reverse()) {
    try {
      ctx.log.info(`starting ${name}`)
      await startContainer(ctx.docker, id, ctx.start)
    } catch (error) {
      // The journal keeps its entry: the next run (or `backupbot recover`) tries again.
      failures.push(`${name}: ${engineMessage(error)}`)
      continue
    }
    // It runs again; a leftover entry would only make a later recovery find it running.
    await ctx.journal.remove(id).catch((error) => ctx.log.warn(`${name} runs again, but its restart journal entry stays: ${engineMessage(error)}`))
  }
  if (failures.length > 0) {
    throw new Error(`could not start again ${failures.join('; ')} (still recorded in the restart journal: \`backupbot recover\` retries)`)
  }
}

export interface WithStoppedContext extends StopContext {
  /** Seconds from the first stop until everything runs again; only when something was stopped. */
  onDowntime?: (seconds: number) => void
}

/**
 * Stops the running ones of `refs`, runs `work`, and starts them again: also when `work` throws,
 * the AbortSignal fires (without waiting for `work` to notice) or SIGINT/SIGTERM arrives.
 * `work` must have consumed what it reads before it resolves.
 */
export async function withStopped<T>(ctx: WithStoppedContext, refs: ContainerRef[], work: () => Promise<T>): Promise<T> {
  ctx.signal?.throwIfAborted()
  let restart: Restart | undefined
  const guard = guardSignals(ctx.log, () => restart?.names.join(', ') || refs.map((r) => r.name).join(', '))
  const {signal, dispose} = eitherSignal(guard.signal, ctx.signal)
  const began = process.hrtime.bigint()
  let outcome: {ok: true; value: T} | {ok: false; error: unknown}
  try {
    restart = await stopContainers({...ctx, signal}, refs)
    outcome = {ok: true, value: await untilAborted(work(), signal)}
  } catch (error) {
    outcome = {ok: false, error}
  }
  guard.restarting()
  try {
    if (restart) await restart()
  } catch (restartError) {
    const also = outcome.ok ? '' : `; the work had failed too: ${engineMessage(outcome.error)}`
    throw new Error(`${engineMessage(restartError)}${also}`)
  } finally {
    if (restart && restart.names.length > 0) ctx.onDowntime?.(Math.round(Number(process.hrtime.bigint() - began) / 1e6) / 1e3)
    dispose()
    guard.release()
  }
  if (!outcome.ok) throw outcome.error
  return outcome.value
}

/**
 * Aborted when either is (AbortSignal.any needs Node 20.3). `dispose` takes our listeners off
 * the caller's long-lived signal, which sees one withStopped per item.
 */
function eitherSignal(a: AbortSignal, b?: AbortSignal): {signal: AbortSignal; dispose(): void} {
  if (!b) return {signal: a, dispose: () => {}}
  const controller = new AbortController()
  const done = new AbortController()
  for (const s of [a, b]) {
    if (s.aborted && !controller.signal.aborted) controller.abort(s.reason)
    s.addEventListener('abort', () => controller.abort(s.reason), {once: true, signal: done.signal})
  }
  return {signal: controller.signal, dispose: () => done.abort()}
}

/** The work's result, or the abort reason as soon as the signal fires (the work is left to fail on its own). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}) // after an abort nobody awaits it any more
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, {once: true})
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
