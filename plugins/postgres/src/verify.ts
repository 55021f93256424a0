// Content check of a stored dump (`backupbot verify`), beyond the checksum and gzip structure
// the core checks: the dump is read to its end, keeping only its first and last bytes. Plain SQL
// must end with its trailer (the cluster trailer for a pg_dumpall dump, which its header names),
// exactly as when the dump was made; a custom archive must start with PGDMP.
import path from 'node:path'
import type {Readable} from 'node:stream'

import type {StoredArtifact} from 'backupbot'

import {checkStoredDump, formatOfFile} from './complete.js'
import type {DumpFormat} from './options.js'
import {ALL_DATABASES_ITEM} from './plan.js'

export async function verifyDump(content: Readable, artifact: StoredArtifact): Promise<void> {
  let format: DumpFormat
  try {
    format = formatOfFile(artifact.file)
  } catch (error) {
    // The core handed over an opened stream: close it.
    content.destroy()
    throw error
  }
  // Without a header (which pg_dump always writes), the item's name says which tool made it.
  const fallback = artifact.manifest.item === ALL_DATABASES_ITEM ? 'pg_dumpall' : 'pg_dump'
  await checkStoredDump(content, format, undefined, path.basename(artifact.file), fallback)
}
