// What running one hook takes, whichever kind it is: a host command (./run-hook.ts) or a command in
// a service's running container (./exec-hook.ts). The orchestration (./hook-sets.ts) only sees
// HookRunner, so its tests pass a fake one.
import type {ExecHook, Hook} from '../../config/settings/types.js'
import type {DockerOps} from '../../scheme.js'
import {runExecHook} from './exec-hook.js'
import {runHostHook} from './run-hook.js'

export type HookPhase = 'before' | 'after' | 'on_error'

/** Seconds a hook may take unless it says otherwise. */
export const DEFAULT_HOOK_TIMEOUT = 60

export interface HookCall {
  hook: Hook
  /** The compose project it belongs to (an exec hook's container is one of its), BACKUPBOT_PROJECT. */
  project: string
  /** A host hook's working directory: the compose project's directory. */
  directory: string
  /** The service whose hooks these are (service hooks): an exec hook's default service. */
  service?: string
  /** BACKUPBOT_HOOK, BACKUPBOT_STATUS, ...: for the command's environment. */
  env: Record<string, string>
  /** Stops the hook early (before hooks only: after and on_error run to their end or timeout). */
  signal?: AbortSignal
  /** Every line the hook writes, stdout and stderr alike, unmasked. */
  onLine: (line: string) => void
}

/** Runs a hook to its end; throws (a message saying why) when it failed, timed out or could not start. */
export type HookRunner = (call: HookCall) => Promise<void>

export function isExecHook(hook: Hook): hook is ExecHook {
  return 'exec' in hook && Array.isArray(hook.exec)
}

/** The real runner: exec hooks through the Docker operations of their project, the others on the host. */
export function hookRunner(dockerOf: (project: string) => Pick<DockerOps, 'containers' | 'exec'>): HookRunner {
  return (call) => (isExecHook(call.hook) ? runExecHook(call, call.hook, dockerOf(call.project)) : runHostHook(call))
}

/**
 * Calls `stop` once when the hook's timeout passes or its signal aborts, with the reason for its
 * error message; `clear()` once the hook ended. `stopped` is that reason, after the fact.
 */
export function limit(call: HookCall, stop: (why: string) => void): {clear(): void; readonly stopped: string | undefined} {
  const seconds = call.hook.timeout ?? DEFAULT_HOOK_TIMEOUT
  let stopped: string | undefined
  const fire = (why: string) => {
    if (stopped !== undefined) return
    stopped = why
    stop(why)
  }
  const timer = setTimeout(() => fire(`timed out after ${seconds} s`), seconds * 1000)
  const onAbort = () => fire('interrupted')
  call.signal?.addEventListener('abort', onAbort, {once: true})
  if (call.signal?.aborted) onAbort()
  return {
    clear() {
      clearTimeout(timer)
      call.signal?.removeEventListener('abort', onAbort)
    },
    get stopped() {
      return stopped
    },
  }
}
