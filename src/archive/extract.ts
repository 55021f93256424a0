// Restores a tar made by packPath (or a volume backup) to a host path: scan the whole archive
// first (nothing is written if it is broken or hostile), extract it into a staging directory on
// the destination's filesystem, then move it into place with renames.
import {lstat, mkdir, mkdtemp, realpath, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'

import type {Logger} from '../scheme.js'
import {applyMeta} from './entry-meta.js'
import {RestoreRollbackError, choosePlacement, destinationState, notEmptyError, placeTree} from './place-tree.js'
import {scanTar} from './scan-tar.js'
import {unpackTree} from './unpack-tree.js'

export interface ExtractOptions {
  /** Replace the content of a destination that is not empty (--force). */
  replace: boolean
  /** Restore device nodes and FIFOs; honoured only as root, else they are refused. */
  devices: boolean
  log?: Logger
  /** Stops the extraction (the staging is removed, nothing is placed). */
  signal?: AbortSignal
  /** Names the archive in messages. */
  name?: string
}

/**
 * Restores the plain tar that `open` returns (read twice: scanned, then extracted; entries share
 * one top-level name) so that its top entry
 * becomes `destination`, keeping modes, owners (as root), symlinks and mtimes. A destination
 * that does not exist is created; an empty directory gets the content; a non-empty one is
 * refused without `replace`, and with it ends up holding exactly the archive's entries (the
 * directory itself is kept). The staging directory is always removed, unless it holds the
 * previous content after a failed rollback (the error says where).
 */
export async function extractArchive(open: () => Readable, destination: string, options: ExtractOptions): Promise<void> {
  const {log, signal} = options
  const file = options.name ?? 'the archive'
  const content = () => stoppable(open(), signal)
  const owner = process.getuid?.() === 0
  const devices = options.devices && owner
  if (options.devices && !owner) log?.warn('device nodes and FIFOs can only be restored as root: an archive holding any is refused')

  // The usual refusal (restoring into a bind mount that is in use) comes before a long scan.
  if (!options.replace && (await destinationState(path.resolve(destination))) === 'directory') {
    throw notEmptyError(path.resolve(destination))
  }
  const summary = await scanTar(content(), {devices})
  log?.debug(`${file}: ${summary.entries} entries, ${summary.bytes} bytes, all under ${summary.root}`)
  const archiveIsDirectory = summary.rootKind === undefined || summary.rootKind === 'directory'
  const target = await resolveDestination(destination, archiveIsDirectory, log)
  // Refuse early, before extracting anything; checked again right before moving into place.
  choosePlacement(target, await destinationState(target), archiveIsDirectory, options.replace)

  await mkdir(path.dirname(target), {recursive: true})
  const where = await stagingParent(target)
  const staging = await mkdtemp(path.join(where, '.backupbot-restore-'))
  const ignore = where === target ? path.basename(staging) : undefined
  let keepStaging = false
  let rootStats
  try {
    const unpacked = path.join(staging, 'new')
    await mkdir(unpacked)
    await unpackTree(content(), unpacked, {devices, root: summary.root, owner})
    signal?.throwIfAborted()
    const placement = choosePlacement(target, await destinationState(target, ignore), archiveIsDirectory, options.replace)
    log?.debug(`${file}: extracted into ${staging}, placing it at ${target} (${placement})`)
    rootStats = await placeTree(path.join(unpacked, summary.root), target, {placement, aside: path.join(staging, 'old'), ignore})
  } catch (error) {
    if (error instanceof RestoreRollbackError) keepStaging = true
    throw error
  } finally {
    if (!keepStaging) {
      await rm(staging, {recursive: true, force: true}).catch((error: Error) => log?.warn(`could not remove ${staging}: ${error.message}`))
    }
  }
  // Last: the destination's own mtime changed as entries moved in (and the staging went).
  if (rootStats && summary.rootKind === 'directory') {
    await applyMeta(path.dirname(target), path.basename(target), {
      kind: 'directory',
      mode: rootStats.mode & 0o7777,
      uid: rootStats.uid,
      gid: rootStats.gid,
      atime: rootStats.atime,
      mtime: rootStats.mtime,
    }, {owner})
  }
}

/** A destination that is a symlink to a directory is restored into that directory. */
async function resolveDestination(destination: string, archiveIsDirectory: boolean, log: Logger | undefined): Promise<string> {
  const absolute = path.resolve(destination)
  if (!archiveIsDirectory || (await destinationState(absolute)) !== 'other') return absolute
  try {
    const real = await realpath(absolute)
    if (real !== absolute && (await stat(real)).isDirectory()) {
      log?.info(`${absolute} is a symlink: restoring into ${real}`)
      return real
    }
  } catch {
    // a dangling symlink: refused as "not a directory" later
  }
  return absolute
}

/**
 * Where the staging directory goes: next to the destination, on its filesystem, so that moving
 * the result into place is a rename. A destination directory that is itself a mount point (a
 * separate filesystem, dataset or subvolume) gets it inside instead.
 */
async function stagingParent(target: string): Promise<string> {
  const parent = path.dirname(target)
  const own = await lstat(target).catch(() => undefined)
  if (!own?.isDirectory()) return parent
  return own.dev === (await stat(parent)).dev ? parent : target
}

/** The stream, destroyed when the signal fires: an interrupted restore stops writing at once. */
function stoppable(stream: Readable, signal: AbortSignal | undefined): Readable {
  if (!signal) return stream
  if (signal.aborted) stream.destroy(abortError(signal))
  const onAbort = () => stream.destroy(abortError(signal))
  signal.addEventListener('abort', onAbort, {once: true})
  stream.once('close', () => signal.removeEventListener('abort', onAbort))
  return stream
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('interrupted')
}
