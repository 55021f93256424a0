// before / on_error / after around what a set of hooks guards (the whole run, or one service's
// items): `before` in order, the first failure stops them and skips the guarded work (nothing is
// touched); once any `before` started, `on_error` (when it failed or was interrupted) and then
// `after` always run, and each of their failures is recorded without stopping the others.
import type {Hook, HookSet} from '../../config/settings/types.js'
import {errorMessage} from '../../errors.js'
import type {SecretMasker} from '../../log/secrets.js'
import type {Logger} from '../../scheme.js'
import type {HookResult} from '../result.js'
import {describeHook} from './describe.js'
import type {HookPhase, HookRunner} from './runner.js'

/** How the guarded work went: `error` is its first error message. */
export interface Outcome {
  status: 'ok' | 'failed'
  error?: string
}

/** Where a hook runs: BACKUPBOT_PROJECT and its project's directory. */
export interface HookPlace {
  project: string
  directory: string
}

/** What a set of hooks belongs to. */
export interface HookScope {
  /** The service whose hooks these are; undefined for the run's own. */
  service?: string
  /** Its compose project (service hooks). */
  project?: string
  /** Where a hook runs: one place, or for a run's exec hook each project (--discover) that has its service. */
  places(hook: Hook): HookPlace[]
}

/** The work a set of hooks guards. */
export interface Guarded<T> {
  work(): Promise<T>
  /** What stands for the work when a `before` hook failed; `why` is `before hook failed: ...`. */
  skipped(why: string): T
  outcome(result: T): Outcome
}

export interface HookSetsOptions {
  runner: HookRunner
  log: Logger
  masker: SecretMasker
  /** The interrupt: it stops a running `before` hook; `on_error` and `after` still run. */
  signal: AbortSignal
}

export class HookSets {
  /** Every hook run so far, in order. */
  readonly results: HookResult[] = []

  constructor(private readonly options: HookSetsOptions) {}

  async withHooks<T>(set: HookSet | undefined, scope: HookScope, guarded: Guarded<T>): Promise<T> {
    const {signal, masker} = this.options
    // An interrupted run starts nothing new, hooks included: the work only reports it was not done.
    if (!set || signal.aborted) return guarded.work()
    const failed = await this.phase(set, 'before', scope, {})
    let outcome: Outcome = {status: 'failed'}
    try {
      if (failed !== undefined) {
        const why = `before hook failed: ${failed}`
        outcome = {status: 'failed', error: why}
        return guarded.skipped(why)
      }
      const result = await guarded.work()
      outcome = guarded.outcome(result)
      return result
    } catch (error) {
      outcome = {status: 'failed', error: errorMessage(error)}
      throw error
    } finally {
      const status = signal.aborted ? 'interrupted' : outcome.status
      if (status !== 'ok') {
        const error = masker.mask(outcome.error ?? status)
        await this.phase(set, 'on_error', scope, {BACKUPBOT_STATUS: status, BACKUPBOT_ERROR: error})
      }
      await this.phase(set, 'after', scope, {BACKUPBOT_STATUS: status})
    }
  }

  /** Runs a phase's hooks in order; the first failing `before` stops the phase and its message is returned. */
  private async phase(set: HookSet, phase: HookPhase, scope: HookScope, env: Record<string, string>): Promise<string | undefined> {
    for (const [index, hook] of (set[phase] ?? []).entries()) {
      const places = scope.places(hook)
      for (const place of places) {
        const label = `hook ${phase}[${index}]${scope.service ? ` ${scope.service}` : ''}${places.length > 1 ? ` in ${place.project}` : ''}`
        const failed = await this.runHook(hook, phase, label, scope, place, env)
        if (failed !== undefined && phase === 'before') return failed
      }
    }
    return undefined
  }

  /** Runs one hook and records it; returns `<description>: <why>` when it failed. */
  private async runHook(hook: Hook, phase: HookPhase, label: string, scope: HookScope, place: HookPlace, env: Record<string, string>): Promise<string | undefined> {
    const {log, masker, runner, signal} = this.options
    const description = masker.mask(describeHook(hook, scope.service))
    const started = process.hrtime.bigint()
    log.info(masker.mask(`${label}: ${description}`))
    let error: string | undefined
    try {
      await runner({
        hook,
        project: place.project,
        directory: place.directory,
        service: scope.service,
        env: {BACKUPBOT_HOOK: phase, BACKUPBOT_PROJECT: place.project, ...(scope.service ? {BACKUPBOT_SERVICE: scope.service} : {}), ...env},
        // Only a `before` hook stops at an interrupt: on_error and after are what it must still run.
        signal: phase === 'before' ? signal : undefined,
        onLine: (line) => log.info(masker.mask(`${label}: ${line}`)),
      })
    } catch (caught) {
      error = masker.mask(errorMessage(caught))
    }
    const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1e3
    const {project, service} = scope
    this.results.push({phase, ...(project ? {project} : {}), ...(service ? {service} : {}), hook: description, status: error ? 'failed' : 'ok', seconds, ...(error ? {error} : {})})
    if (error === undefined) return undefined
    log.warn(`${label} failed (${description}): ${error}`)
    return `${description}: ${error}`
  }
}
