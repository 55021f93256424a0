// From a validated config entry to one item per database. Key references are resolved here, so
// a wrong reference fails the whole run before anything is dumped, and the password is
// registered as a secret before anything can print it.
import type {PlanContext, PlannedItem, ServiceModel} from 'backupbot'

import {type DumpFormat, type PostgresOptions, refusedArgument} from './options.js'

export interface DumpData {
  /** undefined: the whole cluster (`pg_dumpall`). */
  database?: string
  user: string
  /** Travels only in the exec's environment (PGPASSWORD), never on a command line. */
  password?: string
  format: DumpFormat
  extraArgs: string[]
}

export const ALL_DATABASES_ITEM = 'all-databases'

/** The artifact's extension: plain SQL is gzipped by backupbot, custom is compressed by pg_dump. */
export const EXTENSIONS: Record<DumpFormat, string> = {plain: '.sql.gz', custom: '.dump'}

export async function planDumps(ctx: PlanContext, service: ServiceModel, options: PostgresOptions): Promise<Array<PlannedItem<DumpData>>> {
  const databases = await chosenDatabases(ctx, options)
  const all = databases[0] === undefined
  const format = options.format ?? 'plain'
  if (all && format !== 'plain') {
    throw new Error(`format "${format}" is not available with databases ["all"]: pg_dumpall writes plain SQL only (list the databases to get one ${format} dump each)`)
  }
  const extraArgs = options.extra_args ?? []
  extraArgs.forEach((arg, i) => {
    const why = refusedArgument(arg, {all, format})
    if (why) throw new Error(`extra_args[${i}]: ${why}`)
  })
  const user = await ctx.resolve(options.user ?? 'postgres', 'user')
  if (user === '') throw new Error('user: resolves to an empty string')
  let password: string | undefined
  if (options.password !== undefined) {
    password = await ctx.resolve(options.password, 'password')
    ctx.secret(password)
  }

  return databases.map((database) => ({
    folder: 'postgres',
    name: database ?? ALL_DATABASES_ITEM,
    source: `${database === undefined ? 'all databases' : `database ${database}`} of service ${service.name} (as ${user}, ${format})`,
    extension: EXTENSIONS[format],
    data: {database, user, password, format, extraArgs},
  }))
}

/** The databases to dump; undefined stands for all of them. */
async function chosenDatabases(ctx: PlanContext, options: PostgresOptions): Promise<Array<string | undefined>> {
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
  // libpq reads a --dbname holding "=" or starting with a postgres:// URI as a connection
  // string, which could point elsewhere or carry a password.
  if (name.includes('=') || /^postgres(?:ql)?:\/\//i.test(name)) {
    throw new Error(`${where}: a database name cannot contain "=" or be a postgres:// URI (pg_dump would read it as a connection string)`)
  }
  return name
}
