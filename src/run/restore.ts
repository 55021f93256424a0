// `backupbot restore` as a library call. The items come from the same planning as a backup (so
// a restore knows the original paths, volumes and credentials); each chosen version is checked
// (checksum, then every archive entry) before its scheme puts it back. Under the store's lock,
// so that no backup rotates the versions while they are read.
import {lazyEngine} from '../docker/engine.js'
import {UsageError, errorMessage} from '../errors.js'
import type {LocatedItem} from '../plan/make-plan.js'
import {planProjects, type PlanningOptions} from '../plan/plan-projects.js'
import type {RestoreOptions, RunContext} from '../scheme.js'
import type {Store} from '../store.js'
import {encodeName} from '../target/layout.js'
import {checkStructure, toArtifact} from './artifacts.js'
import {itemContext} from './item-context.js'
import {needsSharedStore, openStore, type OpenStoreOptions} from './open-store.js'
import {recoverFirst} from './recover.js'
import {RestartJournal} from './restart-journal.js'
import type {RestoreItemResult, RestoreResult} from './result.js'

export interface RestoreRequest extends PlanningOptions, OpenStoreOptions {
  service: string
  /** The item's name (as list-versions shows it), or `folder/name`; all of the service's items when absent. */
  item?: string
  version: number
  to?: string
  force: boolean
  dryRun: boolean
  devices: boolean
  target: string
  /** Restore the version another machine wrote (a store that several share). */
  host?: string
  signal: AbortSignal
  journalDir: string
}

export async function restore(options: RestoreRequest): Promise<RestoreResult> {
  const engine = lazyEngine()
  const journal = new RestartJournal(options.journalDir)
  const recovery = await recoverFirst(journal, engine, options.log, options.dryRun)
  const store = openStore(options.target, options)
  if (options.host !== undefined) needsSharedStore(store, '--host')
  const [plan] = await planProjects({...options, services: [options.service]}, engine, journal)
  const items = chooseItems(plan.items, options)
  const release = options.dryRun ? async () => {} : await store.lock()
  const results: RestoreItemResult[] = []
  try {
    for (const item of items) {
      const {context, settled} = itemContext({engine, journal, project: plan.project, scheme: item.scheme, log: options.log, signal: options.signal})
      try {
        results.push(await restoreItem(item, options, context, store))
      } finally {
        await settled()
      }
    }
  } finally {
    await release()
  }
  const ok = results.every((r) => r.status === 'ok') && (recovery?.ok ?? true)
  return {ok, dryRun: options.dryRun, items: results, ...(recovery ? {recovery} : {})}
}

function chooseItems(items: LocatedItem[], options: RestoreRequest): LocatedItem[] {
  const chosen = options.item === undefined ? items : items.filter((i) => i.name === options.item || `${i.folder}/${i.name}` === options.item || encodeName(i.name) === options.item)
  if (chosen.length === 0) {
    const known = items.map((i) => `${i.folder}/${i.name}`).join(', ') || 'none'
    throw new UsageError(`service ${options.service} has no backed-up item ${options.item ?? ''}`.trim(), [`its items: ${known}`])
  }
  if (options.to !== undefined && chosen.length > 1) {
    throw new UsageError(`--to needs one item, but service ${options.service} has ${chosen.length}`, [`name one: ${chosen.map((i) => i.name).join(', ')}`])
  }
  return chosen
}

async function restoreItem(item: LocatedItem, options: RestoreRequest, context: RunContext, store: Store): Promise<RestoreItemResult> {
  const base = {service: item.service, scheme: item.scheme, item: item.name, version: options.version, stopped: [] as string[], replaced: false}
  const {scheme} = options.registry.byType.get(item.scheme)!
  if (options.signal.aborted) return {...base, status: 'interrupted', error: 'not started: backupbot was interrupted'}
  try {
    if (!scheme.restore) throw new Error(`scheme ${item.scheme} cannot restore; restore ${item.source} by hand from the artifact`)
    if (options.to !== undefined && item.refuseRestoreTo !== undefined) throw new Error(item.refuseRestoreTo)
    const version = await store.version(item.key, options.version, options.host === undefined ? undefined : {host: options.host})
    if (!version) {
      const by = options.host === undefined ? '' : ` written by ${options.host}`
      const see = options.host === undefined ? `backupbot list-versions ${item.service}` : `backupbot list-versions ${item.service} --all-hosts`
      throw new Error(`no version ${options.version} of ${item.folder}/${item.name}${by} in ${store.where(item.key)} (see ${see})`)
    }
    const artifact = toArtifact(store.open(version))
    Object.assign(base, {file: artifact.file})
    // Nothing is touched unless the artifact is the one that was written, and sound.
    await store.checkIntegrity(artifact)
    await checkStructure(artifact, {devices: options.devices && process.getuid?.() === 0})
    const schemeOptions: RestoreOptions = {to: options.to, force: options.force, dryRun: options.dryRun, devices: options.devices}
    const report = await scheme.restore(context, item, artifact, schemeOptions)
    options.log.info(`${options.dryRun ? 'would restore' : 'restored'} ${item.service} ${item.folder}/${item.name} .${options.version} -> ${report.destination}`)
    return {...base, ...report, status: 'ok'}
  } catch (error) {
    const message = options.masker.mask(errorMessage(error))
    options.log.warn(`${item.service} ${item.folder}/${item.name}: restore failed: ${message}`)
    return {...base, status: options.signal.aborted ? 'interrupted' : 'failed', error: message}
  }
}
