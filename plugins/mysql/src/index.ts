// Scheme backup_mysql: a streamed SQL dump per database of a MySQL or MariaDB service, made by
// the image's own mariadb-dump/mysqldump in the running container (no downtime), and restored
// (or verified) through the image's own client, also with the service running.
import path from 'node:path'

import type {SchemeDefinition} from 'backupbot'

import {checkComplete} from './complete.js'
import {dumpDatabase} from './dump.js'
import {type MysqlOptions, optionsSchema} from './options.js'
import {type DumpData, planDumps} from './plan.js'
import {restoreDump} from './restore.js'

export type {MysqlOptions} from './options.js'
export type {DumpData} from './plan.js'

export const mysqlScheme: SchemeDefinition<MysqlOptions, DumpData> = {
  type: 'backup_mysql',
  apiVersion: 2,
  description: 'gzipped SQL dumps of MySQL/MariaDB databases, streamed from the running container with its own dump tool',
  optionsSchema,
  commonOptions: 'database',
  // No defaultEntry: which database and which credentials cannot be guessed.
  plan: planDumps,
  backup: dumpDatabase,
  restore: restoreDump,
  // The core checked the checksum and the gzip stream; a dump must also be whole.
  verify: (_ctx, artifact) => checkComplete(artifact, path.basename(artifact.file)),
}
