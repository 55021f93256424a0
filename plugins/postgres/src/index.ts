// Scheme backup_postgres: a streamed dump per database of a PostgreSQL service (gzipped SQL, or
// pg_dump's custom archive), made by the image's own pg_dump/pg_dumpall in the running
// container (no downtime), and restored (or verified) through the image's own psql/pg_restore,
// also with the service running.
import path from 'node:path'

import type {SchemeDefinition} from 'backupbot'

import {checkComplete} from './complete.js'
import {dumpDatabase} from './dump.js'
import {optionsSchema, type PostgresOptions} from './options.js'
import {type DumpData, planDumps} from './plan.js'
import {restoreDump} from './restore.js'

export type {DumpFormat, PostgresOptions} from './options.js'
export type {DumpData} from './plan.js'

export const postgresScheme: SchemeDefinition<PostgresOptions, DumpData> = {
  type: 'backup_postgres',
  apiVersion: 2,
  description: 'PostgreSQL dumps (gzipped SQL or pg_dump custom archives), streamed from the running container with its own pg_dump',
  optionsSchema,
  commonOptions: 'database',
  // No defaultEntry: which database and which credentials cannot be guessed.
  plan: planDumps,
  backup: dumpDatabase,
  restore: restoreDump,
  // The core checked the checksum and the gzip stream; a dump must also be whole: plain SQL ends
  // with its trailer (the cluster trailer for a pg_dumpall dump, which its header names), a
  // custom archive starts with PGDMP.
  verify: (_ctx, artifact) => checkComplete(artifact, path.basename(artifact.file)),
}
