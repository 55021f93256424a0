// From a validated config entry to one item per database. Key references are resolved here, so
// a wrong reference fails the whole run before anything is dumped, and the password is
// registered as a secret before anything can print it.
import type {PlanContext, PlannedItem, ServiceModel} from 'backupbot'

import {type MysqlOptions, refusedArgument} from './options.js'

export interface DumpData {
  /** undefined: every database (`--all-databases`). */
  database?: string
  user: string
  /** Travels only in the exec's environment (MYSQL_PWD), never on a command line. */
  password?: string
  extraArgs: string[]
}

export const ALL_DATABASES_ITEM = 'all-databases'

export async function planDumps(ctx: PlanContext, service: ServiceModel, options: MysqlOptions): Promise<Array<PlannedItem<DumpData>>> {
  const databases = await chosenDatabases(ctx, options)
  const extraArgs = options.extra_args ?? []
  extraArgs.forEach((arg, i) => {
    const why = refusedArgument(arg)
    if (why) throw new Error(`extra_args[${i}]: ${why}`)
  })
  const user = await ctx.resolve(options.user ?? 'root', 'user')
  if (user === '') throw new Error('user: resolves to an empty string')
  let password: string | undefined
  if (options.password !== undefined) {
    password = await ctx.resolve(options.password, 'password')
    ctx.secret(password)
  }

  return databases.map((database) => ({
    folder: 'mysql',
    name: database ?? ALL_DATABASES_ITEM,
    source: `${database === undefined ? 'all databases' : `database ${database}`} of service ${service.name} (as ${user})`,
    extension: '.sql.gz',
    data: {database, user, password, extraArgs},
  }))
}

/** The databases to dump; undefined stands for all of them. */
async function chosenDatabases(ctx: PlanContext, options: MysqlOptions): Promise<Array<string | undefined>> {
  if ((options.database === undefined) === (options.databases === undefined)) {
    throw new Error('give exactly one of "database" (one database) or "databases" (["all"] or a list)')
  }
  if (options.database !== undefined) return [checkName(await ctx.resolve(options.database, 'database'), 'database')]
  const list = options.databases!
  if (list.includes('all')) {
    if (list.length > 1) throw new Error('databases: "all" already dumps every database; list no others beside it')
    return [undefined]
  }
  const names: string[] = []
  for (const [i, value] of list.entries()) {
    const name = checkName(await ctx.resolve(value, `databases[${i}]`), `databases[${i}]`)
    if (names.includes(name)) throw new Error(`databases[${i}]: ${name} is listed twice`)
    names.push(name)
  }
  return names
}

function checkName(name: string, where: string): string {
  if (name === '') throw new Error(`${where}: resolves to an empty database name`)
  // It goes last on the tool's command line, where a leading dash would read as an option.
  if (name.startsWith('-')) throw new Error(`${where}: "${name}" cannot be a database name (it starts with "-")`)
  return name
}
