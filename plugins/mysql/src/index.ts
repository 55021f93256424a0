// Scheme backup_mysql: a streamed, gzipped SQL dump per database of a MySQL or MariaDB service,
// made by the image's own mariadb-dump/mysqldump in the running container (no downtime), and
// restored (or verified) through the image's own client, also with the service running.
import type {SchemeDefinition} from 'backupbot'

import {dumpDatabase} from './dump.js'
import {type MysqlOptions, optionsSchema} from './options.js'
import {type DumpData, planDumps} from './plan.js'
import {restoreDump} from './restore.js'
import {verifyDump} from './verify.js'

export type {MysqlOptions} from './options.js'
export type {DumpData} from './plan.js'

export const mysqlScheme: SchemeDefinition<MysqlOptions, DumpData> = {
  type: 'backup_mysql',
  apiVersion: 1,
  description: 'gzipped SQL dumps of MySQL/MariaDB databases, streamed from the running container with its own dump tool',
  optionsSchema,
  // No defaultEntry: which database and which credentials cannot be guessed.
  plan: planDumps,
  backup: dumpDatabase,
  restore: restoreDump,
  verify: verifyDump,
}
