// One new version: the item's stream into a data snapshot (`restic backup --stdin`), then its
// manifest snapshot, which commits it. restic saves whatever reached the end of its input, so
// the end is held back until the core says the stream is good: a failed or interrupted item
// stops restic (SIGINT: it exits without a snapshot and removes its lock) and nothing is kept.
import {createHash, randomBytes} from 'node:crypto'
import {Writable} from 'node:stream'
import {finished} from 'node:stream/promises'

import type {Manifest, ManifestSource} from 'backupbot'

import type {Restic, ResticProcess} from './restic.js'
import {dataPath, dataTags, type Identity, manifestTags} from './tags.js'

export interface VersionInput {
  identity: Identity
  host: string
  extension: string
  manifest: ManifestSource
  onBytes?: (total: number) => void
  write: (out: Writable) => Promise<void>
}

export interface Written {
  manifest: Manifest
  /** The data snapshot's short id. */
  snapshot: string
  /** The write id both snapshots are tagged with. */
  id: string
}

/** How long restic gets to stop after SIGINT before it is killed. */
const STOP_GRACE = 15_000

export async function writeVersion(restic: Restic, input: VersionInput): Promise<Written> {
  const id = randomBytes(8).toString('hex')
  const created = new Date().toISOString()
  const path = dataPath(input.identity, input.extension)
  const data = await restic.start(backupArgs(path, input.host, dataTags(input.identity, id)), {input: true})
  const hash = createHash('sha256')
  let bytes = 0
  const out = feed(data, restic.shown, (chunk) => {
    hash.update(chunk)
    bytes += chunk.length
    input.onBytes?.(bytes)
  })
  try {
    await input.write(out)
    if (!out.writableEnded) out.end()
    await finished(out)
  } catch (error) {
    // Its own failure is already the item's; restic's reaction to being stopped is not.
    out.destroy()
    await stop(data)
    throw error
  }
  data.child.stdin!.end()
  const code = await data.exited
  if (code !== 0) throw data.failure(code, restic.shown)
  const snapshot = summaryOf(data).snapshot_id
  if (typeof snapshot !== 'string') throw new Error(`restic backup reported no snapshot (repository ${restic.shown})`)
  const manifest: Manifest = {format: 1, ...input.manifest, file: path, bytes, sha256: hash.digest('hex'), created}
  try {
    if (summaryOf(data).total_bytes_processed !== bytes) {
      throw new Error(`restic stored ${String(summaryOf(data).total_bytes_processed)} bytes of the ${bytes} it was given`)
    }
    await commit(restic, input, id, manifest)
  } catch (error) {
    // Without its manifest the data snapshot is no version; removed so that it takes no space.
    await restic.run(['forget', snapshot]).catch(() => {})
    throw error
  }
  return {manifest, snapshot, id}
}

function backupArgs(path: string, host: string, tags: string[]): string[] {
  // restic records the name as an absolute path; given without the leading slash.
  return ['backup', '--stdin', '--stdin-filename', path.slice(1), '--host', host, ...tags.flatMap((t) => ['--tag', t]), '--json']
}

/** The manifest snapshot: manifest.json beside the data, its fields in the tags. */
async function commit(restic: Restic, input: VersionInput, write: string, manifest: Manifest): Promise<void> {
  const sidecar = await restic.start(backupArgs(`${manifest.file}.manifest.json`, input.host, manifestTags(input.identity, write, manifest)), {input: true})
  sidecar.child.stdin!.end(JSON.stringify(manifest, null, 2) + '\n')
  const code = await sidecar.exited
  if (code !== 0) throw sidecar.failure(code, restic.shown)
}

/** A stream into restic's standard input that never ends it: writeVersion does, once the data is good. */
function feed(process: ResticProcess, shown: string, onChunk: (chunk: Buffer) => void): Writable {
  const stdin = process.child.stdin!
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      onChunk(chunk)
      if (stdin.write(chunk)) done()
      else stdin.once('drain', () => done())
    },
    final(done) {
      done()
    },
  })
  // restic gave up (a full disk on its side, a lost connection): the item fails with its reason.
  process.exited.then(
    (code) => out.writableFinished || out.destroy(process.failure(code, shown)),
    (error: Error) => out.destroy(error),
  )
  return out
}

/** Stops restic before its input ended: no snapshot is made. */
async function stop(process: ResticProcess): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return
  process.child.kill('SIGINT')
  const timer = setTimeout(() => process.child.kill('SIGKILL'), STOP_GRACE)
  await process.exited.catch(() => {})
  clearTimeout(timer)
}

function summaryOf(process: ResticProcess): Record<string, unknown> {
  return process.messages().find((m) => m.message_type === 'summary') ?? {}
}
