// The check restore and verify run on a stored version after its store has checked its integrity
// (a damaged file is reported as damaged, not as a gzip error): the structure, the compressed
// stream (gzip, zstd) read to its end and every tar entry scanned for hostile paths.
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {holdsTar, storedFormat} from '../archive/compression.js'
import {scanTar} from '../archive/scan-tar.js'
import type {StoredArtifact} from '../scheme.js'
import type {OpenedVersion} from '../store.js'
import {readEdges} from '../system/streams.js'

/** A version a store opened, as schemes read it. */
export function toArtifact(opened: OpenedVersion): StoredArtifact {
  return {...opened, edges: (limits) => readEdges(opened.content(), limits)}
}

/**
 * Reads the whole artifact: the compressed stream (gzip, zstd) to its end and, for a tar, every
 * entry (then `artifact.tar` holds its summary, for the scheme). Returns what it checked.
 */
export async function checkStructure(artifact: StoredArtifact, options: {devices: boolean}): Promise<string[]> {
  const checks: string[] = []
  const {compression} = storedFormat(artifact.file)
  if (compression !== 'none') checks.push(compression)
  if (holdsTar(artifact.file)) {
    artifact.tar = await scanTar(artifact.content(), options)
    checks.push('tar')
  } else if (compression !== 'none') {
    await pipeline(artifact.content(), discard())
  }
  return checks
}

function discard(): Writable {
  return new Writable({write: (_chunk, _encoding, done) => done()})
}
