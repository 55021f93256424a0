// The plans' items under the hooks: the run's own around all of them, each service's around its
// items. A service's items run together (in the order they first appear in the plan), so that its
// `before` comes right before its first item and its `after` right after its last.
import type {HookSet, RunHooks} from '../../config/settings/types.js'
import type {ProjectModel} from '../../config/compose/model.js'
import type {SecretMasker} from '../../log/secrets.js'
import type {LocatedItem, Plan} from '../../plan/make-plan.js'
import type {Logger} from '../../scheme.js'
import type {HookResult, ItemResult} from '../result.js'
import {type Guarded, type HookPlace, type HookScope, HookSets, type Outcome} from './hook-sets.js'
import {type HookRunner, isExecHook} from './runner.js'

/** The run's hooks (`$settings.hooks`) and what runs them. */
export interface RunHookInput {
  settings: RunHooks
  runner: HookRunner
  /** The interrupt: it stops a running `before` hook. */
  signal: AbortSignal
  /** Where the run's host hooks run when the run has several compose projects (--discover). */
  cwd: string
}

export interface ItemRunner {
  run(plan: Plan, item: LocatedItem): Promise<ItemResult>
  /** The result of an item a failing `before` hook skipped (nothing stopped, nothing written). */
  skipped(plan: Plan, item: LocatedItem, why: string): ItemResult
}

export interface ServiceGroup {
  plan: Plan
  service: string
  items: LocatedItem[]
}

export interface HookedOptions {
  plans: Plan[]
  hooks?: RunHookInput
  log: Logger
  masker: SecretMasker
}

export async function runHooked(options: HookedOptions, items: ItemRunner): Promise<{items: ItemResult[]; hooks?: HookResult[]}> {
  const {hooks} = options
  const sets = hooks && new HookSets({runner: hooks.runner, signal: hooks.signal, log: options.log, masker: options.masker})
  const guard = <T>(set: HookSet | undefined, scope: HookScope, guarded: Guarded<T>) => (sets ? sets.withHooks(set, scope, guarded) : guarded.work())
  const groups = serviceGroups(options.plans)
  const skipAll = (group: ServiceGroup, why: string) => group.items.map((item) => items.skipped(group.plan, item, why))
  const results = await guard(hooks?.settings, runScope(options.plans, hooks?.cwd ?? ''), {
    async work() {
      const done: ItemResult[] = []
      for (const group of groups) {
        const {plan, service} = group
        const scope: HookScope = {service, project: plan.project.name, places: () => [placeOf(plan.project)]}
        done.push(
          ...(await guard(hooks?.settings.services?.[service], scope, {
            async work() {
              const results: ItemResult[] = []
              for (const item of group.items) results.push(await items.run(plan, item))
              return results
            },
            skipped: (why) => skipAll(group, why),
            outcome: outcomeOf,
          })),
        )
      }
      return done
    },
    skipped: (why) => groups.flatMap((group) => skipAll(group, why)),
    outcome: outcomeOf,
  })
  return {items: results, ...(sets ? {hooks: sets.results} : {})}
}

/** Each plan's items by service, the services in the order they first appear, their items in plan order. */
export function serviceGroups(plans: Plan[]): ServiceGroup[] {
  return plans.flatMap((plan) => {
    const byService = new Map<string, LocatedItem[]>()
    for (const item of plan.items) byService.set(item.service, [...(byService.get(item.service) ?? []), item])
    return [...byService].map(([service, items]) => ({plan, service, items}))
  })
}

/**
 * The run's hooks run in its compose project; with several (--discover), a host hook runs once in
 * backupbot's working directory, an exec hook in each project that has its service.
 */
function runScope(plans: Plan[], cwd: string): HookScope {
  const projects = plans.map((plan) => plan.project)
  const [only] = projects
  return {
    places(hook) {
      if (isExecHook(hook)) return projects.filter((p) => hook.service !== undefined && p.services[hook.service]).map(placeOf)
      return [only && projects.length === 1 ? placeOf(only) : {project: projects.map((p) => p.name).join(' '), directory: cwd}]
    },
  }
}

function placeOf(project: ProjectModel): HookPlace {
  return {project: project.name, directory: project.directory}
}

function outcomeOf(items: ItemResult[]): Outcome {
  const failed = items.find((i) => i.status !== 'ok')
  return failed ? {status: 'failed', error: failed.error ?? failed.status} : {status: 'ok'}
}
