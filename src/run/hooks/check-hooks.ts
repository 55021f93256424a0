// The hooks checked against the plans before anything is touched (exit 2): a service's hooks
// must have items of that service to go around, and every exec hook a service to run in.
import type {Hook, HookSet, RunHooks} from '../../config/settings/types.js'
import {UsageError} from '../../errors.js'
import type {Plan} from '../../plan/make-plan.js'
import {PHASES} from './describe.js'
import {isExecHook} from './runner.js'

const HOOKS_PATH = '$settings.hooks'

/** `selected`: the services named on the command line (empty: all). */
export function checkHooks(hooks: RunHooks, plans: Plan[], selected: string[]): void {
  const projects = plans.map((plan) => plan.project)
  const inProjects = (service: string) => projects.filter((p) => p.services[service])
  const known = () => [...new Set(projects.flatMap((p) => Object.keys(p.services)))].join(', ') || 'none'
  for (const [path, hook] of hooksOf(hooks, HOOKS_PATH)) {
    if (!isExecHook(hook)) continue
    if (hook.service === undefined) throw new UsageError(`${path}.service: an exec hook of the run names no service to run in`, ['give service: <compose service>'])
    if (inProjects(hook.service).length === 0) throw new UsageError(`${path}.service: no compose service ${hook.service} in this run`, [`services: ${known()}`])
  }
  for (const [service, set] of Object.entries(hooks.services ?? {})) {
    const where = `${HOOKS_PATH}.services.${service}`
    const planned = plans.filter((plan) => plan.items.some((item) => item.service === service))
    if (planned.length === 0) {
      // A service left out on the command line (`backup db`): its hooks have nothing to go around this time.
      if (selected.length > 0 && !selected.includes(service) && inProjects(service).length > 0) continue
      const why = inProjects(service).length === 0 ? `no compose service ${service} in this run` : `service ${service} has nothing to back up in this run`
      throw new UsageError(`${where}: ${why}: its hooks would never run`, [`services with items: ${[...new Set(plans.flatMap((p) => p.items.map((i) => i.service)))].join(', ') || 'none'}`])
    }
    for (const [path, hook] of hooksOf(set, where)) {
      if (!isExecHook(hook) || hook.service === undefined) continue
      const target = hook.service
      const missing = planned.find((plan) => !plan.project.services[target])
      if (missing) throw new UsageError(`${path}.service: no service ${target} in compose project ${missing.project.name}`, [`services: ${Object.keys(missing.project.services).join(', ')}`])
    }
  }
}

/** A set's hooks with their settings paths (`$settings.hooks.before[0]`). */
function hooksOf(set: HookSet, where: string): Array<[string, Hook]> {
  return PHASES.flatMap((phase) => (set[phase] ?? []).map((hook, i): [string, Hook] => [`${where}.${phase}[${i}]`, hook]))
}
