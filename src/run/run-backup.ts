// Runs a plan: under the target's lock, each item in turn writes a new version (temporary name,
// fsync, checksum, rename) and rotates. A failing item is recorded and the others still run.
import type {Writable} from 'node:stream'

import {errorMessage} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {LocatedItem, Plan} from '../plan/make-plan.js'
import type {Logger, RunContext} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {RetentionPolicy, Store, WrittenVersion} from '../store.js'
import {storedExtension, writeCompressed} from './compress.js'
import type {ItemContext} from './item-context.js'
import type {Progress} from './progress.js'
import type {RecoveryResult} from './recover.js'
import type {BackupResult, ItemResult} from './result.js'

export interface RunInput {
  plans: Plan[]
  registry: SchemeRegistry
  /** Where the new versions go; its lock is held for the whole run. */
  store: Store
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
}

export async function runBackup(input: RunInput): Promise<BackupResult> {
  const release = await input.store.lock()
  const items: ItemResult[] = []
  try {
    for (const plan of input.plans) {
      for (const item of plan.items) items.push(await runItem(input, plan, item))
    }
  } finally {
    await release()
  }
  const ok = items.every((i) => i.status === 'ok') && (input.recovery?.ok ?? true)
  return {ok, target: input.store.location, items, ...(input.recovery ? {recovery: input.recovery} : {})}
}

async function runItem(input: RunInput, plan: Plan, item: LocatedItem): Promise<ItemResult> {
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

async function writeItem(input: RunInput, context: RunContext, project: string, item: LocatedItem): Promise<ItemResult> {
  const {masker} = input
  const started = process.hrtime.bigint()
  const seconds = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1e3
  const base = {project, service: item.service, scheme: item.scheme, item: item.name, source: item.source}
  if (context.signal.aborted) return {...base, seconds: 0, status: 'interrupted', error: 'not started: backupbot was interrupted'}
  context.log.info(`${item.service}: ${item.folder}/${item.name} <- ${item.source}`)
  try {
    const {scheme} = input.registry.byType.get(item.scheme)!
    const shown = input.progress?.start(`${item.service}: ${item.folder}/${item.name}`)
    const compress = item.compress && input.store.wantsCompressed
    const version = await input.store
      .write(
        item.key,
        {
          extension: compress ? storedExtension(item) : item.extension,
          manifest: {project, service: item.service, scheme: item.scheme, item: item.name, source: item.source, backupbot: input.version},
          retention: input.retention,
          onBytes: shown?.update,
        },
        (out) => withAbort(context.signal, out, () => (compress ? writeCompressed(out, (data) => scheme.backup(context, item, data)) : scheme.backup(context, item, out))),
      )
      .finally(() => shown?.done())
    context.log.info(`${item.service}: ${item.folder}/${item.name}: ${version.bytes} bytes in ${seconds()} s -> ${version.file}`)
    return {...base, file: version.file, bytes: version.bytes, sha256: version.sha256, seconds: seconds(), ...retained(context.log, item, version), status: 'ok'}
  } catch (error) {
    const message = masker.mask(errorMessage(error))
    const status = context.signal.aborted ? 'interrupted' : 'failed'
    context.log.warn(`${item.service}: ${item.folder}/${item.name} ${status}: ${message}`)
    return {...base, seconds: seconds(), status, error: message}
  }
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
