// Runs a plan: under the targets' locks, each item in turn writes a new version (temporary name,
// fsync, checksum, rename) and rotates. A failing item is recorded and the others still run; a
// target that cannot be reached fails every item there while the other targets get them all.
// An item that stops containers is read into a spool file first (./spool.ts), so that they are
// down only while it is read; compression and the stores follow from the spool.
import type {Writable} from 'node:stream'

import {EXIT, errorMessage} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {LocatedItem, Plan} from '../plan/make-plan.js'
import type {Logger, RunContext} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {RetentionPolicy, Store, WrittenVersion} from '../store.js'
import {compressionFor, storedExtension, writeCompressed} from './compress.js'
import {fanOut} from './fan-out.js'
import {type RunHookInput, runHooked} from './hooks/hooked-run.js'
import type {ItemContext} from './item-context.js'
import type {Progress} from './progress.js'
import type {RecoveryResult} from './recover.js'
import type {BackupResult, ItemResult, StoreItemResult} from './result.js'
import {chooseSpool, createSpool, type Spool, type SpoolSettings, sweepSpools} from './spool.js'

export interface RunInput {
  plans: Plan[]
  registry: SchemeRegistry
  /** Where the new versions go (each item is read once and written to all); their locks are held for the whole run. */
  stores: Store[]
  /** Which older versions to remove once an item's new version is complete. */
  retention?: RetentionPolicy
  /** The run context for one item; `onDowntime` gets the seconds its containers were stopped. */
  context: (plan: Plan, item: LocatedItem, onDowntime: (seconds: number) => void) => ItemContext
  masker: SecretMasker
  version: string
  /** Containers a killed earlier run had left stopped, started before this run. */
  recovery?: RecoveryResult
  /** A live display of the bytes written (on a terminal only). */
  progress?: Progress
  /** The run's own messages (a target that cannot be reached), as opposed to each item's. */
  log: Logger
  /** Where items that stop containers are read to first; without it every item streams into the stores. */
  spool?: SpoolSettings
  /** before/after/on_error hooks around the run and around each service's items (./hooks/). */
  hooks?: RunHookInput
}

/** A run under way: its input and the stores that could not be reached, each with its lock's error. */
interface Run extends RunInput {
  unavailable: ReadonlyMap<Store, unknown>
}

export async function runBackup(input: RunInput): Promise<BackupResult> {
  const releases: Array<() => Promise<void>> = []
  let done: Awaited<ReturnType<typeof runHooked>>
  try {
    const run: Run = {...input, unavailable: await lockStores(input, releases)}
    // Under the locks: a spool inside a target is this run's alone; elsewhere a live run's is told by its pid.
    if (input.spool) await sweepSpools(input.spool.dir, input.log)
    done = await runHooked(input, {
      run: (plan, item) => runItem(run, plan, item),
      skipped: (plan, item, why) => ({...itemBase(plan.project.name, item), seconds: 0, status: 'failed', error: `skipped: ${why}`}),
    })
  } finally {
    for (const release of releases.reverse()) await release()
  }
  const {items, hooks} = done
  const ok = items.every((i) => i.status === 'ok') && (input.recovery?.ok ?? true) && (hooks ?? []).every((h) => h.status === 'ok')
  const targets = input.stores.map((s) => s.location)
  return {ok, target: targets[0]!, ...(targets.length > 1 ? {targets} : {}), items, ...(input.recovery ? {recovery: input.recovery} : {}), ...(hooks ? {hooks} : {})}
}

/** What every item's result starts with. */
function itemBase(project: string, item: LocatedItem): Pick<ItemResult, 'project' | 'service' | 'scheme' | 'item' | 'source'> {
  return {project, service: item.service, scheme: item.scheme, item: item.name, source: item.source}
}

/**
 * Takes every store's lock before anything is touched, into `releases`. A store that refuses the
 * run (exit 2: bad input; exit 3: another run holds it) stops it. One that cannot be reached (its
 * network is down) sits this run out, said once here: a copy in the other stores is better than
 * none. Only when no store can be reached does the run stop, with the first store's error.
 */
async function lockStores(input: RunInput, releases: Array<() => Promise<void>>): Promise<Map<Store, unknown>> {
  const unavailable = new Map<Store, unknown>()
  for (const store of input.stores) {
    try {
      releases.push(await store.lock())
    } catch (error) {
      const exitCode = (error as {exitCode?: unknown} | null)?.exitCode
      if (exitCode === EXIT.usage || exitCode === EXIT.locked) throw error
      unavailable.set(store, error)
    }
  }
  if (unavailable.size === input.stores.length) throw unavailable.get(input.stores[0]!)
  for (const [store, error] of unavailable) {
    input.log.warn(`${store.location} cannot be reached: ${input.masker.mask(errorMessage(error))}; every item fails there, the other targets still get it`)
  }
  return unavailable
}

async function runItem(input: Run, plan: Plan, item: LocatedItem): Promise<ItemResult> {
  let downtime: number | undefined
  const run = input.context(plan, item, (seconds) => (downtime = Math.round(((downtime ?? 0) + seconds) * 1e3) / 1e3))
  let result: ItemResult
  try {
    result = await writeItem(input, run.context, plan.project.name, item)
  } finally {
    // Whatever the scheme did with its stops, they are all undone before the next item.
    await run.settled()
  }
  return downtime === undefined ? result : {...result, downtimeSeconds: downtime}
}

async function writeItem(input: Run, context: RunContext, project: string, item: LocatedItem): Promise<ItemResult> {
  const started = process.hrtime.bigint()
  const seconds = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1e3
  const base = itemBase(project, item)
  if (context.signal.aborted) return {...base, seconds: 0, status: 'interrupted', error: 'not started: backupbot was interrupted'}
  context.log.info(`${item.service}: ${item.folder}/${item.name} <- ${item.source}`)
  const {scheme} = input.registry.byType.get(item.scheme)!
  const label = `${item.service}: ${item.folder}/${item.name}`
  const manifest = {project, service: item.service, scheme: item.scheme, item: item.name, source: item.source, backupbot: input.version}
  const shownBy = input.stores.find((store) => !input.unavailable.has(store))
  let shown: ReturnType<Progress['start']> | undefined
  const show = (text: string) => {
    shown?.done()
    shown = input.progress?.start(text)
  }
  const {spool, streamed} = await openSpool(input, context.log, item, label)
  let spooled: ItemResult['spool'] = streamed === undefined ? undefined : {streamed}
  let outcomes: Array<PromiseSettledResult<WrittenVersion>> | undefined
  try {
    if (spool) {
      // The read alone, while the containers are stopped; the stores come after they run again.
      show(`${label} (reading)`)
      try {
        const read = await spool.fill((into) => scheme.backup(context, item, into), context.signal, (bytes) => shown?.update(bytes))
        spooled = read
        context.log.info(`${label}: read ${read.bytes} bytes in ${read.seconds} s into ${spool.file}; compressing and storing from it`)
      } catch (error) {
        // Nothing reached any store: each fails with the read's error (an unreachable one with its own).
        outcomes = input.stores.map((store) => ({status: 'rejected', reason: input.unavailable.get(store) ?? error}))
      }
    }
    show(label)
    outcomes ??= await fanOut(
      input.stores.map((store) => (sink) => {
        // A store that cannot be reached fails before it asks for data: it takes no part.
        if (input.unavailable.has(store)) return Promise.reject(input.unavailable.get(store))
        // A store that compresses itself (restic) gets the data as the scheme wrote it.
        const compression = compressionFor(item, store)
        const onBytes = store === shownBy ? (bytes: number) => shown?.update(bytes) : undefined
        const version = {extension: storedExtension(item, compression), manifest, retention: input.retention, onBytes}
        return store.write(item.key, version, (out) => writeCompressed(out, compression, sink))
      }),
      (out) => withAbort(context.signal, out, () => (spool ? spool.drain(out, context.signal) : scheme.backup(context, item, out))),
    )
  } finally {
    shown?.done()
    await spool?.remove()
  }
  const stores = outcomes.map((outcome, i) => storeResult(input, context.log, item, input.stores[i]!, outcome))
  const [first] = stores
  const failed = stores.filter((s) => s.status === 'failed')
  const status = failed.length === 0 ? 'ok' : context.signal.aborted ? 'interrupted' : 'failed'
  // The item's own file and size: the first target's, or the first that has the version when that one failed.
  const {target: _target, status: _status, error: _error, ...primary} = stores.find((s) => s.status === 'ok') ?? first!
  const result: ItemResult = {...base, ...primary, seconds: seconds(), ...(spooled ? {spool: spooled} : {}), ...(stores.length > 1 ? {stores} : {}), status}
  if (status === 'ok') {
    context.log.info(`${item.service}: ${item.folder}/${item.name}: ${first!.bytes} bytes in ${seconds()} s -> ${stores.map((s) => s.file).join(', ')}`)
    return result
  }
  // One message for the item: the error itself, or which stores lack the new version and why
  // (in the log, a store that cannot be reached only by name: its error was said once).
  const error = stores.length === 1 ? first!.error! : failed.map((s) => `${s.target}: ${s.error}`).join('; ')
  const unreachable = new Set([...input.unavailable.keys()].map((store) => store.location))
  const said = stores.length === 1 ? error : failed.map((s) => `${s.target}: ${unreachable.has(s.target) ? 'cannot be reached' : s.error}`).join('; ')
  context.log.warn(`${item.service}: ${item.folder}/${item.name} ${status}: ${said}`)
  return {...result, error}
}

/**
 * The spool file for an item that stops containers, or why it streams instead (said in a
 * warning, unless --no-spool asked for it). Decided before anything is stopped. Items that
 * stop nothing (database dumps, host directories without stop) stream without a word.
 */
async function openSpool(input: Run, log: Logger, item: LocatedItem, label: string): Promise<{spool?: Spool; streamed?: string}> {
  if (!input.spool || (item.stops?.length ?? 0) === 0) return {}
  const choice = await chooseSpool(input.spool, item.identity)
  let why = choice.spool ? undefined : choice.why
  if (choice.spool) {
    try {
      return {spool: await createSpool(input.spool.dir)}
    } catch (error) {
      why = `the spool file cannot be created in ${input.spool.dir}: ${errorMessage(error)}`
    }
  }
  if (why !== '--no-spool') log.warn(`${label}: streamed, not spooled: ${why}; its containers stay stopped until it is compressed and stored (--spool-dir chooses another place)`)
  return {streamed: why}
}

/** One store's part of an item's result (what it wrote, what retention did there, or why it has no new version). */
function storeResult(input: RunInput, log: Logger, item: LocatedItem, store: Store, outcome: PromiseSettledResult<WrittenVersion>): StoreItemResult {
  if (outcome.status === 'rejected') return {target: store.location, status: 'failed', error: input.masker.mask(errorMessage(outcome.reason))}
  const version = outcome.value
  return {target: store.location, status: 'ok', file: version.file, bytes: version.bytes, sha256: version.sha256, ...retained(log, item, version)}
}

/** What retention did to an item's older versions, logged and for its result. */
function retained(log: Logger, item: LocatedItem, version: WrittenVersion): Pick<ItemResult, 'removed' | 'shrank'> {
  const what = `${item.service}: ${item.folder}/${item.name}`
  if (version.shrank) {
    log.warn(`${what}: the new version (${version.bytes} bytes) is less than half the size of the one before (${version.shrank.previousBytes} bytes): kept, but no older version was removed; check it`)
    return {shrank: {bytes: version.bytes, previousBytes: version.shrank.previousBytes}}
  }
  const {removed, undated} = version
  if (undated.length > 0) log.warn(`${what}: versions ${undated.map((n) => `.${n}`).join(', ')} have no readable creation time: kept by retention`)
  if (removed.length === 0) return {}
  log.info(`${what}: retention removed ${removed.length} older version(s), created ${removed.join(', ')}`)
  return {removed}
}

/** An interrupt destroys the artifact stream, whatever the scheme does, so nothing half-written is kept. */
async function withAbort(signal: AbortSignal, out: Writable, work: () => Promise<void>): Promise<void> {
  signal.throwIfAborted()
  const onAbort = () => out.destroy(new Error('interrupted'))
  signal.addEventListener('abort', onAbort, {once: true})
  try {
    await work()
    signal.throwIfAborted()
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
