// Hooks in a few words, for logs, the --json result and --dry-run: `run: pg_isready -U app`,
// `shell: curl -fsS ... | logger`, `exec web: php occ maintenance:mode --on`.
import type {Hook, HookSet, RunHooks} from '../../config/settings/types.js'
import type {PlannedHookSet, PlannedHooks} from '../result.js'
import {isExecHook} from './runner.js'

/** Longer descriptions end with an ellipsis: the log has the hook's output, the settings file the rest. */
const DESCRIPTION_LIMIT = 100

/** `service`: the service whose hooks these are, an exec hook's default service. */
export function describeHook(hook: Hook, service?: string): string {
  const text = isExecHook(hook)
    ? `exec ${hook.service ?? service ?? '?'}: ${hook.exec.join(' ')}`
    : 'shell' in hook && typeof hook.shell === 'string'
      ? `shell: ${hook.shell}`
      : `run: ${(hook.run ?? []).join(' ')}`
  return text.length > DESCRIPTION_LIMIT ? `${text.slice(0, DESCRIPTION_LIMIT - 1)}…` : text
}

export const PHASES = ['before', 'on_error', 'after'] as const

/** What --dry-run reports: each phase's hooks, described; empty phases left out. */
export function plannedHooks(hooks: RunHooks): PlannedHooks {
  const services = Object.entries(hooks.services ?? {}).map(([name, set]) => [name, plannedSet(set, name)] as const)
  return {...plannedSet(hooks), ...(services.length > 0 ? {services: Object.fromEntries(services)} : {})}
}

function plannedSet(set: HookSet, service?: string): PlannedHookSet {
  return Object.fromEntries(PHASES.filter((phase) => set[phase]?.length).map((phase) => [phase, set[phase]!.map((h) => describeHook(h, service))]))
}
