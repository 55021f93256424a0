// The restart journal: one small JSON file per container that backupbot stopped, written and
// fsynced before the stop and removed once it runs again. A run killed in between (SIGKILL,
// power loss, OOM) leaves the file, and the next run starts the container (src/run/recover.ts).
import {randomBytes} from 'node:crypto'
import {mkdir, open, readFile, readdir, rename, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'

import type {StopJournal} from '../docker/stop-start.js'
import {fsyncDir} from '../system/fs-sync.js'
import {pidAlive, processStart} from '../system/process.js'

export interface JournalEntry {
  id: string
  name: string
  project: string
  /** DOCKER_HOST of the run that stopped it, or 'local'. */
  dockerHost: string
  pid: number
  hostname: string
  /** ISO time of the stop. */
  stoppedAt: string
  /** The process's start time (Linux clock ticks since boot): tells a reused pid apart. */
  processStart?: string
}

export interface JournalScan {
  entries: JournalEntry[]
  /** Files that are not valid entries (edited by hand?): reported, never acted on. */
  unreadable: string[]
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code
const ENTRY = /^([A-Za-z0-9_.-]+)\.json$/

/** The engine this process talks to, as recorded in entries. */
export function currentDockerHost(env: Record<string, string | undefined> = process.env): string {
  const host = env.DOCKER_HOST?.trim()
  return !host || host === 'unix:///var/run/docker.sock' ? 'local' : host
}

export class RestartJournal implements StopJournal {
  constructor(readonly dir: string) {}

  /** Durable before it returns: temporary file, fsync, rename, fsync of the directory. */
  async record(container: {id: string; name: string; project: string}): Promise<void> {
    await mkdir(this.dir, {recursive: true})
    const start = processStart(process.pid)
    const entry: JournalEntry = {
      id: container.id,
      name: container.name,
      project: container.project,
      dockerHost: currentDockerHost(),
      pid: process.pid,
      hostname: hostname(),
      stoppedAt: new Date().toISOString(),
      ...(start ? {processStart: start} : {}),
    }
    const file = this.file(container.id)
    const temp = join(this.dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(entry, null, 2) + '\n')
      await handle.sync()
    } catch (error) {
      await handle.close().catch(() => {})
      await unlink(temp).catch(() => {})
      throw error
    }
    await handle.close()
    await rename(temp, file)
    await fsyncDir(this.dir)
  }

  async remove(id: string): Promise<void> {
    try {
      await unlink(this.file(id))
    } catch (error) {
      if (code(error) === 'ENOENT') return
      throw error
    }
    await fsyncDir(this.dir)
  }

  /** Every entry, from live runs and dead ones. */
  async pending(): Promise<JournalEntry[]> {
    return (await this.scan()).entries
  }

  async scan(): Promise<JournalScan> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (error) {
      if (code(error) === 'ENOENT') return {entries: [], unreadable: []}
      throw error
    }
    const scan: JournalScan = {entries: [], unreadable: []}
    for (const name of names.sort()) {
      const match = ENTRY.exec(name)
      if (!match || name.startsWith('.')) continue // temporary files of a record in progress
      const path = join(this.dir, name)
      let entry: JournalEntry | undefined
      try {
        entry = parseEntry(await readFile(path, 'utf8'), match[1])
      } catch (error) {
        if (code(error) === 'ENOENT') continue // removed meanwhile
      }
      if (entry) scan.entries.push(entry)
      else scan.unreadable.push(path)
    }
    return scan
  }

  private file(id: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.startsWith('.')) throw new Error(`not a container id: ${JSON.stringify(id)}`)
    return join(this.dir, `${id}.json`)
  }
}

function parseEntry(text: string, id: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(text) as Partial<JournalEntry>
    const valid =
      value.id === id &&
      typeof value.name === 'string' &&
      typeof value.project === 'string' &&
      typeof value.dockerHost === 'string' &&
      Number.isSafeInteger(value.pid) &&
      typeof value.hostname === 'string' &&
      typeof value.stoppedAt === 'string'
    return valid ? (value as JournalEntry) : undefined
  } catch {
    return undefined
  }
}

export type EntryOwner = 'live' | 'dead' | 'other-host'

/**
 * Who holds the entry: a live run on this machine (hands off), a dead one (recover it), or a run
 * on another machine, whose liveness cannot be checked from here.
 */
export function entryOwner(entry: JournalEntry): EntryOwner {
  if (entry.hostname !== hostname()) return 'other-host'
  if (!pidAlive(entry.pid)) return 'dead'
  // Same pid, another process (pids are reused, e.g. after a reboot or in a fresh container).
  const start = processStart(entry.pid)
  if (entry.processStart && start && start !== entry.processStart) return 'dead'
  return 'live'
}
