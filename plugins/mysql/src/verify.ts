// Content check of a stored dump (`backupbot verify`), beyond the checksum and gzip structure
// the core checks: the decompressed dump is read to its end, keeping only its last bytes, and
// must end with the trailer, exactly as when the dump was made.
import path from 'node:path'
import type {Readable} from 'node:stream'

import type {StoredArtifact} from 'backupbot'

import {checkTrailer} from './trailer.js'

export function verifyDump(content: Readable, artifact: StoredArtifact): Promise<void> {
  return checkTrailer(content, path.basename(artifact.file))
}
