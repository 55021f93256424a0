// Starts the containers that a killed backupbot run left stopped, as its restart journal lists
// them. Entries of live runs (and of other machines or engines) are never touched.
import {connectEngine, type Engine} from '../docker/engine.js'
import {errorMessage} from '../errors.js'
import type {Logger} from '../scheme.js'
import {currentDockerHost, entryOwner, type JournalEntry, RestartJournal} from './restart-journal.js'

export interface RecoveryResult {
  /** True when nothing failed (skipped entries belong to others and do not count). */
  ok: boolean
  /** Containers running again (started now, or found running). */
  started: string[]
  /** Could not be started: the entry stays for the next attempt. */
  failed: Array<{name: string; error: string}>
  /** Not ours to act on: a live run's, another machine's or another engine's, or unreadable. */
  skipped: Array<{name: string; reason: string}>
  /** No longer exist: their entries were dropped. */
  gone: string[]
}

/** `backupbot recover` as a library call. Connects to the engine only if there is something to start. */
export async function recover(request: {journalDir: string; log: Logger}): Promise<RecoveryResult> {
  return recoverStopped(connectEngine, new RestartJournal(request.journalDir), request.log)
}

/** The entries a recovery would act on: dead runs on this machine, same Docker engine. */
export async function entriesToRecover(journal: RestartJournal): Promise<JournalEntry[]> {
  const host = currentDockerHost()
  return (await journal.pending()).filter((e) => e.dockerHost === host && entryOwner(e) === 'dead')
}

export async function recoverStopped(engine: Engine | (() => Engine), journal: RestartJournal, log: Logger): Promise<RecoveryResult> {
  const result: RecoveryResult = {ok: true, started: [], failed: [], skipped: [], gone: []}
  const host = currentDockerHost()
  const {entries, unreadable} = await journal.scan()
  for (const file of unreadable) {
    log.warn(`restart journal: ${file} is not a valid entry; left alone (check that container by hand, then delete the file)`)
    result.skipped.push({name: file, reason: 'unreadable journal entry'})
  }
  const todo: JournalEntry[] = []
  for (const entry of entries) {
    const reason = skipReason(entry, host)
    if (reason) {
      log.debug(`restart journal: ${entry.name}: ${reason}`)
      result.skipped.push({name: entry.name, reason})
    } else todo.push(entry)
  }
  // The reverse of the stop order, as a normal restart does.
  todo.sort((a, b) => b.stoppedAt.localeCompare(a.stoppedAt))
  let connected: Engine | undefined
  const get = () => (connected ??= typeof engine === 'function' ? engine() : engine)
  for (const entry of todo) await recoverOne(get, journal, log, entry, result)
  // A run killed while containers were stopped was likely reading through a helper too.
  if (todo.length > 0) {
    try {
      await get().removeStaleHelpers(log)
    } catch (error) {
      log.warn(`removing stale helper containers: ${errorMessage(error)}`)
    }
  }
  result.ok = result.failed.length === 0
  return result
}

function skipReason(entry: JournalEntry, host: string): string | undefined {
  if (entry.dockerHost !== host) return `stopped on another Docker engine (${entry.dockerHost})`
  const owner = entryOwner(entry)
  if (owner === 'live') return `held by the running backupbot process ${entry.pid}`
  if (owner === 'other-host') return `recorded by backupbot on host ${entry.hostname}, whose process cannot be checked from here`
  return undefined
}

async function recoverOne(engine: () => Engine, journal: RestartJournal, log: Logger, entry: JournalEntry, result: RecoveryResult): Promise<void> {
  const what = `${entry.name} (project ${entry.project}, stopped by backupbot pid ${entry.pid} at ${entry.stoppedAt})`
  try {
    const state = await engine().containerState(entry.id)
    if (!state) {
      log.warn(`${what} no longer exists: dropping its restart journal entry`)
      await journal.remove(entry.id)
      result.gone.push(entry.name)
      return
    }
    if (state.running) log.info(`${what} already runs again`)
    else {
      log.warn(`starting ${what}: that run ended before it could start it again`)
      await engine().startContainer(entry.id)
    }
  } catch (error) {
    log.warn(`could not start ${what}: ${errorMessage(error)} (kept in the restart journal)`)
    result.failed.push({name: entry.name, error: errorMessage(error)})
    return
  }
  result.started.push(entry.name)
  await journal.remove(entry.id).catch((error) => log.warn(`${entry.name} runs again, but its journal entry stays: ${errorMessage(error)}`))
}

/**
 * What every command that stops containers does first: start what a killed run left stopped.
 * Only touches the engine when the journal holds entries of dead runs for it.
 */
export async function recoverFirst(journal: RestartJournal, engine: () => Engine, log: Logger, dryRun: boolean): Promise<RecoveryResult | undefined> {
  const entries = await entriesToRecover(journal)
  if (entries.length === 0) return undefined
  const names = entries.map((e) => e.name).join(', ')
  if (dryRun) {
    log.warn(`a killed backupbot run left ${names} stopped; a real run (or \`backupbot recover\`) starts them again first`)
    return undefined
  }
  log.warn(`a killed backupbot run left ${names} stopped: starting them again first`)
  const recovery = await recoverStopped(engine, journal, log)
  if (!recovery.ok) log.warn(`still stopped: ${recovery.failed.map((f) => f.name).join(', ')}; this run goes on and will exit with 1`)
  return recovery
}
