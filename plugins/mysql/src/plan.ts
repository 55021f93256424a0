// From a validated config entry to one item per database. The core resolves the common options
// (references followed, the password registered as a secret) with this tool's rules, so a wrong
// reference or a refused argument fails the whole run before anything is dumped.
import type {PlanContext, PlannedItem, ServiceInfo} from 'backupbot'

import {type MysqlOptions, refusedArgument, refusedName} from './options.js'

export interface DumpData {
  /** undefined: every database (`--all-databases`). */
  database?: string
  user: string
  /** Travels only in the exec's environment (MYSQL_PWD), never on a command line. */
  password?: string
  extraArgs: string[]
}

export async function planDumps(ctx: PlanContext, service: ServiceInfo, options: MysqlOptions): Promise<Array<PlannedItem<DumpData>>> {
  const {targets, user, password, extraArgs} = await ctx.databases(options, {defaultUser: 'root', refuseName: refusedName, refuseArgument: refusedArgument})
  return targets.map((target) => ({
    folder: 'mysql',
    name: target.name,
    source: `${target.what} of service ${service.name} (as ${user})`,
    extension: '.sql',
    compress: true,
    refuseRestoreTo: target.refuseRestoreTo,
    data: {database: target.database, user, password, extraArgs},
  }))
}
