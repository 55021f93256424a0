// One backupbot run per target at a time: `<target>/.backupbot.lock`, created with O_EXCL.
// A lock left by a killed run (dead pid on this host) is taken over; anything we cannot prove
// stale (a live pid, another host) makes us stop with LockedError and touch nothing.
import {randomBytes} from 'node:crypto'
import {link, lstat, mkdir, open, readFile, rename, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import type {Stats} from 'node:fs'

import {LockedError} from '../errors.js'
import {pidAlive} from '../system/process.js'

export const LOCK_FILE = '.backupbot.lock'

/** An unreadable lock younger than this may still be being written by its creator. */
const UNREADABLE_GRACE_MS = 60_000

interface LockContent {
  pid: number
  hostname: string
  started: string
  /** Tells our lock apart from a later one with the same pid (release must not remove it). */
  token: string
}

interface Observed {
  stats: Stats
  raw: string
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code

/** Takes the target's lock (creating the target dir). Resolves to the lock's release. */
export async function acquireLock(target: string): Promise<() => Promise<void>> {
  await mkdir(target, {recursive: true})
  const path = join(target, LOCK_FILE)
  const mine: LockContent = {pid: process.pid, hostname: hostname(), started: new Date().toISOString(), token: randomBytes(8).toString('hex')}
  const text = JSON.stringify(mine) + '\n'

  if (!(await tryCreate(path, text))) {
    const observed = await checkStale(path)
    if (observed) await setAside(path, observed)
    if (!(await tryCreate(path, text))) {
      throw new LockedError(`another backupbot run took the lock ${path} at the same time as this one; nothing was changed. Run again once it has finished.`)
    }
  }

  let released = false
  return async () => {
    if (released) return
    released = true
    let current: Partial<LockContent> | undefined
    try {
      current = JSON.parse(await readFile(path, 'utf8'))
    } catch (error) {
      if (code(error) === 'ENOENT' || error instanceof SyntaxError) return
      throw error
    }
    // Only remove it if it is still ours: someone may have deleted and re-taken it meanwhile.
    if (current?.token === mine.token && current.pid === mine.pid) await unlink(path).catch(() => {})
  }
}

/** Creates the lock file with O_EXCL; false if it already exists. */
async function tryCreate(path: string, text: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'wx', 0o644)
  } catch (error) {
    if (code(error) === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(text)
    await handle.sync()
  } catch (error) {
    // A half-written lock would block the next runs for a minute: remove it.
    await handle.close().catch(() => {})
    await unlink(path).catch(() => {})
    throw error
  }
  await handle.close()
  return true
}

/** The existing lock if it is provably stale (undefined if it vanished); throws LockedError if held. */
async function checkStale(path: string): Promise<Observed | undefined> {
  let observed: Observed
  try {
    observed = {stats: await lstat(path), raw: await readFile(path, 'utf8')}
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined
    throw error
  }
  const holder = parse(observed.raw)
  const remedy = `If you are sure no backupbot run is using this target, delete ${path} and run again.`
  if (!holder) {
    const age = Date.now() - observed.stats.mtimeMs
    if (age > UNREADABLE_GRACE_MS) return observed
    throw new LockedError(`the target is locked by ${path}, which is unreadable (another run may be creating it right now). Retry in a minute. ${remedy}`)
  }
  const since = holder.started ? ` since ${holder.started}` : ''
  if (holder.hostname !== hostname()) {
    throw new LockedError(`the target is locked by ${path}: backupbot pid ${holder.pid} on host ${holder.hostname}${since}. Wait for that run to finish. ${remedy}`)
  }
  if (pidAlive(holder.pid)) {
    const who = holder.pid === process.pid ? `this very process (pid ${holder.pid})` : `running process ${holder.pid}`
    throw new LockedError(`the target is locked by ${path}: held by ${who}${since}. Wait for that run to finish. ${remedy}`)
  }
  return observed
}

function parse(raw: string): LockContent | undefined {
  try {
    const value = JSON.parse(raw)
    if (Number.isSafeInteger(value?.pid) && value.pid > 0 && typeof value.hostname === 'string') return value
  } catch {}
  return undefined
}

/**
 * Moves the stale lock aside. Renaming (rather than unlinking by name) means that if another
 * run replaced the stale lock with its own live one meanwhile, we notice and put it back.
 */
async function setAside(path: string, observed: Observed): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await rename(path, aside)
  } catch (error) {
    if (code(error) === 'ENOENT') return // someone else removed it; the O_EXCL create decides
    throw error
  }
  const stats = await lstat(aside)
  const raw = await readFile(aside, 'utf8')
  const same = stats.ino === observed.stats.ino && stats.size === observed.stats.size && stats.mtimeMs === observed.stats.mtimeMs && raw === observed.raw
  if (!same) {
    await link(aside, path).catch(() => {})
    await unlink(aside).catch(() => {})
    throw new LockedError(`another backupbot run took over the stale lock ${path} at the same time; nothing was changed. Run again once it has finished.`)
  }
  await unlink(aside)
}
