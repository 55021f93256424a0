// A stored version as restore and verify use it, and the checks both run before trusting it:
// the checksum first (a damaged file is reported as damaged, not as a gzip error), then the
// structure (gzip read to the end, every tar entry scanned for hostile paths).
import {createReadStream} from 'node:fs'
import {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {openGunzipped} from '../archive/gunzip.js'
import {scanTar} from '../archive/scan-tar.js'
import type {StoredArtifact} from '../scheme.js'
import {readEdges} from '../system/streams.js'
import {digestFile} from '../target/checksum.js'
import type {VersionListing} from '../target/list.js'

function storedArtifact(version: VersionListing & {file: string; manifest: NonNullable<VersionListing['manifest']>}): StoredArtifact {
  const gzipped = version.file.endsWith('.gz') || version.file.endsWith('.tgz')
  const content = () => (gzipped ? openGunzipped(version.file) : createReadStream(version.file))
  return {
    file: version.file,
    number: version.number,
    manifest: version.manifest,
    open: () => createReadStream(version.file),
    content,
    edges: (limits) => readEdges(content(), limits),
  }
}

/** The usable artifact of a listed version, or why there is none. */
export function artifactOf(version: VersionListing): StoredArtifact {
  if (version.error || !version.file || !version.manifest) throw new Error(`version ${version.number} in ${version.dir} is unusable: ${version.error ?? 'no artifact'}`)
  return storedArtifact({...version, file: version.file, manifest: version.manifest})
}

/** Throws unless the file's sha256 and size are the ones its manifest recorded. */
export async function checkChecksum(artifact: StoredArtifact): Promise<void> {
  const {sha256, bytes} = await digestFile(artifact.file)
  if (sha256 !== artifact.manifest.sha256 || bytes !== artifact.manifest.bytes) {
    throw new Error(
      `checksum mismatch for ${artifact.file}: recorded sha256 ${String(artifact.manifest.sha256)} (${String(artifact.manifest.bytes)} bytes), ` +
        `found ${sha256} (${bytes} bytes): the file is damaged or was changed`,
    )
  }
}

/**
 * Reads the whole artifact: gzip to its end and, for a tar, every entry (then `artifact.tar` holds
 * its summary, for the scheme). Returns what it checked.
 */
export async function checkStructure(artifact: StoredArtifact, options: {devices: boolean}): Promise<string[]> {
  const checks: string[] = []
  const gzipped = artifact.file.endsWith('.gz') || artifact.file.endsWith('.tgz')
  const tar = /\.(tar(\.gz)?|tgz)$/.test(artifact.file)
  if (gzipped) checks.push('gzip')
  if (tar) {
    artifact.tar = await scanTar(artifact.content(), options)
    checks.push('tar')
  } else if (gzipped) {
    await pipeline(artifact.content(), discard())
  }
  return checks
}

function discard(): Writable {
  return new Writable({write: (_chunk, _encoding, done) => done()})
}
