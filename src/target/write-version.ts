// Writing one new version of an item. The artifact is built in a temp dir and only becomes a
// version by one rename once it and its manifest are fsynced, so a kill at any point leaves
// either a `.tmp-*` leftover (removed by the next run) or a complete version. Rotation and
// pruning of the older versions: ./rotate.ts.
import {createHash} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {Transform, type TransformCallback, type Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {Manifest} from '../scheme.js'
import type {ManifestSource} from '../store.js'
import {fsyncDir, fsyncFile} from '../system/fs-sync.js'
import {checkExtension, checkStem, MANIFEST, scratchName} from './layout.js'
import {readVersion} from './list.js'
import {checkPolicy, type RetentionPolicy} from './retention.js'
import {type Pruned, prune, renameNoReplace, rotate} from './rotate.js'

export interface VersionInfo {
  number: 1
  /** The version directory (`<itemDir>/<item>.1`). */
  dir: string
  /** Full path of the artifact inside `dir` (the manifest records its basename). */
  file: string
  bytes: number
  sha256: string
  /** ISO time at which writing started. */
  created: string
  /** What the retention policy removed (nothing when it was skipped). */
  pruned: Pruned
  /** Set when the new version is less than half the size of the one before: then nothing was pruned. */
  shrank?: {previousBytes: number}
}

export interface WriteVersionOptions {
  /** From itemDirectory(); created if missing. */
  itemDir: string
  /** The item's encoded name (`encodeName(name)`, the item dir's basename): the file stem. */
  item: string
  /** The artifact's extension with its dot (`.tar.gz`), or ''. */
  extension: string
  /** What the manifest says about the item; file, bytes, sha256, created and format are set here. */
  manifest: ManifestSource
  /** Which versions to keep once the new one is in place (restic forget's rules). Unset: all. */
  retention?: RetentionPolicy
  /** Writes the artifact into `out`; ending `out` is optional. */
  write: (out: Writable) => Promise<void>
  /** Told the bytes written so far, as they are written (for a progress display). */
  onBytes?: (total: number) => void
}




/** Passes bytes through unchanged while hashing and counting them. */
class Digest extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  constructor(private readonly onBytes?: (total: number) => void) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    this.onBytes?.(this.bytes)
    callback(null, chunk)
  }
}

/**
 * Writes a new version as `<item>.1`, shifting the older ones up, then applies the retention
 * policy: only once the new version is complete, and not at all when it is less than half the
 * size of the one before (a dump cut short looks like that; the older versions may be all
 * that is left of the data).
 * The caller must hold the target lock, and write one item dir at a time.
 */
export async function writeVersion(opts: WriteVersionOptions): Promise<VersionInfo> {
  const {itemDir, item, extension, retention} = opts
  const encoded = checkStem(item)
  checkExtension(extension)
  if (retention !== undefined) checkPolicy(retention)

  const firstCreated = await mkdir(itemDir, {recursive: true})
  // New folders must be durable too, or a power loss could drop the first version's parent.
  if (firstCreated) for (let dir = itemDir; ; dir = dirname(dir)) {
    await fsyncDir(dirname(dir))
    if (dir === firstCreated || dirname(dir) === dir) break
  }
  await removeLeftovers(itemDir, encoded)
  // A killed run may have left a complete `.0` or gaps: settle them so `.0` is free.
  await rotate(itemDir, item)
  const previous = (await readVersion(join(itemDir, `${encoded}.1`), 1)).bytes

  const tmp = join(itemDir, scratchName('tmp', encoded))
  // 0700/0600: artifacts may hold database dumps with secrets.
  await mkdir(tmp, {mode: 0o700})
  const fileName = encoded + extension
  const created = new Date().toISOString()
  let digest: Digest
  let sha256: string
  try {
    digest = await streamArtifact(join(tmp, fileName), opts.write, opts.onBytes)
    sha256 = digest.hash.digest('hex')
    await fsyncFile(join(tmp, fileName))
    const manifest: Manifest = {...opts.manifest, file: fileName, bytes: digest.bytes, sha256, created, format: 1}
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', {flag: 'wx', mode: 0o600})
    await fsyncFile(join(tmp, MANIFEST))
    await fsyncDir(tmp)
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }

  await renameNoReplace(itemDir, tmp, join(itemDir, `${encoded}.0`))
  await fsyncDir(itemDir)
  await rotate(itemDir, item)
  const shrank = previous !== undefined && digest.bytes < previous / 2 ? {previousBytes: previous} : undefined
  const pruned: Pruned = retention === undefined || shrank ? {removed: [], undated: []} : await prune(itemDir, item, retention)

  const dir = join(itemDir, `${encoded}.1`)
  return {number: 1, dir, file: join(dir, fileName), bytes: digest.bytes, sha256, created, pruned, ...(shrank ? {shrank} : {})}
}

/** Streams `write`'s output into a new file; on any failure the error is rethrown. */
async function streamArtifact(path: string, write: (out: Writable) => Promise<void>, onBytes?: (total: number) => void): Promise<Digest> {
  const digest = new Digest(onBytes)
  const file = createWriteStream(path, {flags: 'wx', mode: 0o600})
  const piped = pipeline(digest, file)
  const wrote = (async () => {
    await write(digest)
    if (!digest.writableEnded) digest.end()
  })()
  // A failed `write` must also stop the pipeline, and neither promise may go unhandled.
  wrote.catch((error) => digest.destroy(error))
  piped.catch(() => {})
  try {
    await Promise.all([wrote, piped])
  } catch (error) {
    // Let the file stream close before the caller deletes the temp dir.
    await piped.catch(() => {})
    throw error
  }
  return digest
}

/** Removes temp and trash dirs of this item left by killed runs (the lock rules out live ones). */
async function removeLeftovers(itemDir: string, encoded: string): Promise<void> {
  for (const name of await readdir(itemDir)) {
    if (name.startsWith(`.tmp-${encoded}-`) || name.startsWith(`.trash-${encoded}-`)) {
      await rm(join(itemDir, name), {recursive: true, force: true})
    }
  }
}
