// From a validated config entry to one item per database. The core resolves the common options
// (references followed, the password registered as a secret) with pg_dump's rules, so a wrong
// reference or a refused argument fails the whole run before anything is dumped.
import type {PlanContext, PlannedItem, ServiceInfo} from 'backupbot'

import {databaseRules, type DumpFormat, type PostgresOptions} from './options.js'

export interface DumpData {
  /** undefined: the whole cluster (`pg_dumpall`). */
  database?: string
  user: string
  /** Travels only in the exec's environment (PGPASSWORD), never on a command line. */
  password?: string
  format: DumpFormat
  extraArgs: string[]
}

export async function planDumps(ctx: PlanContext, service: ServiceInfo, options: PostgresOptions): Promise<Array<PlannedItem<DumpData>>> {
  const format = options.format ?? 'plain'
  const {targets, user, password, extraArgs} = await ctx.databases(options, databaseRules(format))
  if (format !== 'plain' && targets.some((t) => t.database === undefined)) {
    throw new Error(`format "${format}" is not available with databases ["all"]: pg_dumpall writes plain SQL only (list the databases to get one ${format} dump each)`)
  }
  return targets.map((target) => ({
    folder: 'postgres',
    name: target.name,
    source: `${target.what} of service ${service.name} (as ${user}, ${format})`,
    // Plain SQL is compressed by the core (.sql.gz, or .sql.zst with zstd); a custom archive is compressed by pg_dump and stays as it is.
    extension: format === 'plain' ? '.sql' : '.dump',
    compress: format === 'plain',
    refuseRestoreTo: target.refuseRestoreTo,
    data: {database: target.database, user, password, format, extraArgs},
  }))
}
