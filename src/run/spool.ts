// The spool: while an item's containers are stopped, backupbot only reads. What the scheme writes
// goes into a file at disk speed; the scheme starts the containers again as soon as it has read
// its data; compression and the writes to every store happen afterwards, from that file, through
// the fan-out (src/run/run-backup.ts), so each store still gets the item once and atomically. The
// engine reads a volume several times faster than gzip compresses it (PERF-NOTES.md): streaming
// straight into the compressor kept the containers down for the compression's whole length.
//
// The file is `<dir>/.backupbot-spool-<host>-<pid>-<random>`, mode 0600 (it holds what the
// backup holds), removed in every case: success, failure, interrupt, and `process.exit` on a
// second signal. A SIGKILL leaves it behind; the next run removes it (sweepSpools). Inside a
// local target it is a dot entry, which the tree's listing never takes for an item or version.
import {randomBytes} from 'node:crypto'
import {createReadStream, rmSync, writeSync} from 'node:fs'
import {open, readdir, rm, stat, statfs} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Writable} from 'node:stream'
import {finished, pipeline} from 'node:stream/promises'

import type {Engine} from '../docker/engine.js'
import {errorMessage, UsageError} from '../errors.js'
import type {Logger} from '../scheme.js'
import type {Store} from '../store.js'
import {pidAlive} from '../system/process.js'
import {tarSize} from '../system/tree-size.js'
import {LocalStore} from '../target/local-store.js'

export const SPOOL_PREFIX = '.backupbot-spool-'
const SPOOL_NAME = /^\.backupbot-spool-(.+)-(\d+)-[0-9a-f]{8}$/

/** Room kept free beyond the data's estimated size: the service writes until it is stopped, and the estimate may miss headers. */
export const SPOOL_MARGIN = {bytes: 64 * 1024 * 1024, share: 0.1}

const MiB = 1024 * 1024
/**
 * Stream buffers on both sides of the file: as large as the compressor's blocks. Larger ones
 * gained nothing measurable and raised the peak RSS (data moves several times faster through
 * the spool than through the compressor, so more buffers await the garbage collector).
 */
const BUFFER = 256 * 1024

/** The data's size as it can be told before it is read. */
export interface SizeEstimate {
  bytes: number
  /** `measured`: the tar's size from the files' metadata; `engine`: the engine's usage figure. */
  how: 'measured' | 'engine'
}

export interface SpoolSettings {
  /** An existing directory. */
  dir: string
  /** False with --no-spool: every item streams (leftovers are still swept). */
  enabled: boolean
  /** How large an item's data will be (counting may stop past `limit`), from its identity; undefined when that cannot be told. */
  sizeOf(identity: string | undefined, limit: number): Promise<SizeEstimate | undefined>
  /** The run's local targets: one on the spool's file system writes the artifact there while the spool still holds the data. */
  localTargets: string[]
}

export interface SpoolRequest {
  /** --spool-dir, resolved against `cwd`; it must exist. */
  dir?: string
  cwd: string
  /** False with --no-spool. */
  enabled: boolean
  stores: Store[]
  engine: () => Engine
}

/**
 * The run's spool settings. Without --spool-dir the spool goes into the first local target,
 * beside the temporary files of the versions it writes: a place chosen to hold backups, with
 * room for them, as private as they are, and unlike /tmp rarely a RAM-backed tmpfs. Without a
 * local target (restic only) it goes into the system's temporary directory (TMPDIR).
 */
export async function spoolSettings(request: SpoolRequest): Promise<SpoolSettings> {
  const localTargets = request.stores.filter((store) => store instanceof LocalStore).map((store) => store.location)
  let dir = localTargets[0] ?? tmpdir()
  if (request.dir !== undefined) {
    dir = resolve(request.cwd, request.dir)
    const info = await stat(dir).catch(() => undefined)
    if (!info?.isDirectory()) throw new UsageError(`--spool-dir ${request.dir}: ${info ? 'not a directory' : 'no such directory'}`, ['give an existing directory on a file system with room for the largest volume'])
  }
  return {
    dir,
    enabled: request.enabled,
    localTargets,
    async sizeOf(identity, limit) {
      if (identity?.startsWith('host:')) return {bytes: await tarSize(identity.slice('host:'.length), limit), how: 'measured'}
      if (identity?.startsWith('volume:')) return request.engine().volumeSize(identity.slice('volume:'.length), limit)
      return undefined
    },
  }
}

/** Whether an item's data goes through a spool file, and if not, why. */
export type SpoolChoice = {spool: true} | {spool: false; why: string}

/**
 * Decides, before anything is stopped, whether the spool's file system has room for the item's
 * data: its estimated size plus SPOOL_MARGIN, plus the size again for each local target on the
 * same file system (the artifact, at worst as large as the data, is written there while the
 * spool exists). Without room, or without an estimate, the item streams as before.
 */
export async function chooseSpool(settings: SpoolSettings, identity: string | undefined): Promise<SpoolChoice> {
  if (!settings.enabled) return {spool: false, why: '--no-spool'}
  const [free, sharing] = await Promise.all([freeBytes(settings.dir), sharingTargets(settings.dir, settings.localTargets)])
  const factor = 1 + SPOOL_MARGIN.share + sharing
  const limit = Math.max(0, (free - SPOOL_MARGIN.bytes) / factor)
  let size: SizeEstimate | undefined
  try {
    size = await settings.sizeOf(identity, limit)
  } catch (error) {
    return {spool: false, why: `its size cannot be told before reading it (${errorMessage(error)})`}
  }
  if (!size) return {spool: false, why: 'its size cannot be told before reading it'}
  const needed = Math.ceil(size.bytes * factor) + SPOOL_MARGIN.bytes
  if (needed <= free) return {spool: true}
  const what = size.how === 'measured' ? 'measured' : "the engine's figure"
  const artifact = sharing > 0 ? ', and room for the new version on the same file system' : ''
  return {spool: false, why: `the spool would need ${mib(needed)} (${mib(size.bytes)} ${what}, a margin${artifact}) and ${settings.dir} has ${mib(free)} free`}
}

const mib = (bytes: number) => `${Math.ceil(bytes / MiB)} MiB`

async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir)
  return fs.bavail * fs.bsize
}

/** How many of `targets` are on the same file system as `dir` (a target not made yet counts as its parent's, which is where it will be). */
async function sharingTargets(dir: string, targets: string[]): Promise<number> {
  const device = (await stat(dir)).dev
  let count = 0
  for (const target of targets) {
    const info = await stat(target).catch(() => stat(join(target, '..')).catch(() => undefined))
    if (info?.dev === device) count++
  }
  return count
}

/** Spool files of this machine whose run is gone (killed), removed. Returns their names. */
export async function sweepSpools(dir: string, log: Logger): Promise<string[]> {
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return removed
  }
  for (const name of names) {
    const match = SPOOL_NAME.exec(name)
    // Another machine's (a shared folder) or a live run's: not ours to remove.
    if (!match || match[1] !== hostname() || pidAlive(Number(match[2]))) continue
    const file = join(dir, name)
    const bytes = await stat(file).then((s) => s.size, () => 0)
    await rm(file, {force: true})
    removed.push(name)
    log.info(`removed ${file} (${mib(bytes)}), a spool file a killed backupbot run (pid ${match[2]}) left`)
  }
  return removed
}

/** Spool files that must not outlive the process, whatever ends it short of SIGKILL. */
const live = new Set<string>()
let exitHook = false

function removeOnExit(file: string): void {
  live.add(file)
  if (exitHook) return
  exitHook = true
  // `exit` handlers run on process.exit() (a second SIGINT), where no finally does.
  process.on('exit', () => {
    for (const path of live) rmSync(path, {force: true})
  })
}

export interface SpoolRead {
  /** Bytes the scheme wrote into the spool. */
  bytes: number
  /** How long the scheme took to write them: the read, while its containers were stopped. */
  seconds: number
}

export interface Spool {
  readonly file: string
  /**
   * Runs `read` (the scheme's backup) into the spool file and resolves once all it wrote is in
   * the file. Fails when `read` fails, the file cannot take it (a full disk), or `signal` fires.
   * `onBytes` is told the bytes in the file now and then (a progress display).
   */
  fill(read: (into: Writable) => Promise<void>, signal: AbortSignal, onBytes?: (bytes: number) => void): Promise<SpoolRead>
  /** Streams the spool file into `out` (and ends it). */
  drain(out: Writable, signal: AbortSignal): Promise<void>
  /** Deletes the file; safe to call any number of times. */
  remove(): Promise<void>
}

/**
 * Local disk file systems (statfs magic numbers): ext2/3/4, XFS, btrfs, ZFS, tmpfs, ramfs,
 * overlayfs, F2FS, bcachefs. See SpoolWriter for why it matters.
 */
const LOCAL_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x2fc12fc1, 0x01021994, 0x858458f6, 0x794c7630, 0xf2f52010, 0xca451a4e])

/** Creates an empty spool file in `dir` (mode 0600; fails if the name exists). */
export async function createSpool(dir: string): Promise<Spool> {
  const local = LOCAL_FILE_SYSTEMS.has((await statfs(dir)).type)
  const file = join(dir, `${SPOOL_PREFIX}${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`)
  const handle = await open(file, 'wx', 0o600)
  removeOnExit(file)
  let filled = false
  let removal: Promise<void> | undefined
  return {
    file,
    async fill(read, signal, onBytes) {
      if (filled) throw new Error(`${file} was filled already`)
      filled = true
      const started = process.hrtime.bigint()
      const writer = local ? new SpoolWriter(handle.fd) : handle.createWriteStream({highWaterMark: BUFFER})
      // Its errors reach the scheme (its pipeline) and finished() below: never an unhandled 'error'.
      writer.on('error', () => {})
      const onAbort = () => writer.destroy(new Error('interrupted'))
      signal.addEventListener('abort', onAbort, {once: true})
      const ticker = onBytes && setInterval(() => onBytes(writer.bytesWritten), 250)
      try {
        signal.throwIfAborted()
        await read(writer).catch((error: unknown) => {
          writer.destroy()
          throw error
        })
        // A scheme need not end its stream; everything it wrote must be in the file before the data counts.
        if (!writer.writableEnded && !writer.destroyed) writer.end()
        await finished(writer)
        signal.throwIfAborted()
      } finally {
        signal.removeEventListener('abort', onAbort)
        if (ticker) clearInterval(ticker)
        if (!writer.closed) await new Promise<void>((resolve) => writer.once('close', () => resolve()).destroy())
      }
      const bytes = writer.bytesWritten
      const size = (await stat(file)).size
      if (size !== bytes) throw new Error(`the spool file ${file} holds ${size} bytes, but ${bytes} were written into it`)
      return {bytes, seconds: Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1e3}
    },
    async drain(out, signal) {
      await pipeline(createReadStream(file, {highWaterMark: BUFFER}), out, {signal})
    },
    remove: () =>
      (removal ??= (async () => {
        await handle.close().catch(() => {})
        await rm(file, {force: true})
        live.delete(file)
      })()),
  }
}

/**
 * Writes into the spool with synchronous writes. The read, which is the downtime, goes at this
 * writer's pace, and fs.WriteStream's trip through the thread pool for every chunk made a 1 GB
 * read ~1 s slower on 2 cores (bench/volume.sh; batching writes into writev did not win it back).
 * A write into the page cache takes microseconds (a slow disk throttling dirty pages may hold it
 * for a while: a signal then waits, it is not lost), and the event loop (signals, the engine's
 * socket) runs between chunks. Only on a local disk: a network file system (NFS, SMB, FUSE) can
 * hang a write for minutes, and a blocked main thread could not start the containers again on
 * SIGTERM; there the spool keeps fs.WriteStream.
 */
class SpoolWriter extends Writable {
  bytesWritten = 0

  constructor(private readonly fd: number) {
    super({highWaterMark: BUFFER})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at)
      this.bytesWritten += chunk.length
      callback()
    } catch (error) {
      callback(error as Error)
    }
  }
}
