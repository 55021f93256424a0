// Scheme backup_postgres: a streamed dump per database of a PostgreSQL service (gzipped SQL, or
// pg_dump's custom archive), made by the image's own pg_dump/pg_dumpall in the running
// container (no downtime), and restored (or verified) through the image's own psql/pg_restore,
// also with the service running.
import type {SchemeDefinition} from 'backupbot'

import {dumpDatabase} from './dump.js'
import {optionsSchema, type PostgresOptions} from './options.js'
import {type DumpData, planDumps} from './plan.js'
import {restoreDump} from './restore.js'
import {verifyDump} from './verify.js'

export type {DumpFormat, PostgresOptions} from './options.js'
export type {DumpData} from './plan.js'

export const postgresScheme: SchemeDefinition<PostgresOptions, DumpData> = {
  type: 'backup_postgres',
  apiVersion: 1,
  description: 'PostgreSQL dumps (gzipped SQL or pg_dump custom archives), streamed from the running container with its own pg_dump',
  optionsSchema,
  // No defaultEntry: which database and which credentials cannot be guessed.
  plan: planDumps,
  backup: dumpDatabase,
  restore: restoreDump,
  verify: verifyDump,
}
