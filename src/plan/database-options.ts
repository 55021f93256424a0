// The options every database scheme shares (database | databases, user, password, extra_args):
// their resolution at plan time (PlanContext.databases); their schema is in
// src/schemes/options-schema.ts. What stays in a plugin is its tool's
// rules: which names and extra arguments it refuses, and its default user.
import type {DatabaseOptions, DatabaseRules, DatabaseSelection, DatabaseTarget} from '../scheme.js'

export const ALL_DATABASES_ITEM = 'all-databases'

/** How PlanContext resolves one option: a literal or a key reference. */
type Resolve = (value: string, optionPath: string) => Promise<string>

export async function resolveDatabases(options: DatabaseOptions, rules: DatabaseRules, resolve: Resolve, resolveSecret: Resolve): Promise<DatabaseSelection> {
  const databases = await chosenDatabases(options, rules, resolve)
  const all = databases[0] === undefined
  const extraArgs = options.extra_args ?? []
  extraArgs.forEach((arg, i) => {
    const why = rules.refuseArgument?.(arg, all)
    if (why) throw new Error(`extra_args[${i}]: ${why}`)
  })
  const user = await resolve(options.user ?? rules.defaultUser, 'user')
  if (user === '') throw new Error('user: resolves to an empty string')
  const password = options.password === undefined ? undefined : await resolveSecret(options.password, 'password')
  return {targets: databases.map(target), user, ...(password === undefined ? {} : {password}), extraArgs}
}

function target(database: string | undefined): DatabaseTarget {
  if (database !== undefined) return {database, name: database, what: `database ${database}`}
  return {
    name: ALL_DATABASES_ITEM,
    what: 'all databases',
    refuseRestoreTo: `--to cannot be used with ${ALL_DATABASES_ITEM}: that dump creates every database under its own name; back up single databases to restore one elsewhere`,
  }
}

/** The databases to dump; undefined stands for all of them. */
async function chosenDatabases(options: DatabaseOptions, rules: DatabaseRules, resolve: Resolve): Promise<Array<string | undefined>> {
  if ((options.database === undefined) === (options.databases === undefined)) {
    throw new Error('give exactly one of "database" (one database) or "databases" (["all"] or a list)')
  }
  const checked = async (value: string, where: string) => {
    const name = await resolve(value, where)
    if (name === '') throw new Error(`${where}: resolves to an empty database name`)
    const why = rules.refuseName?.(name)
    if (why) throw new Error(`${where}: ${why}`)
    return name
  }
  if (options.database !== undefined) return [await checked(options.database, 'database')]
  const list = options.databases!
  if (list.includes('all')) {
    if (list.length > 1) throw new Error('databases: "all" already dumps every database; list no others beside it')
    return [undefined]
  }
  const names: string[] = []
  for (const [i, value] of list.entries()) {
    const name = await checked(value, `databases[${i}]`)
    if (names.includes(name)) throw new Error(`databases[${i}]: ${name} is listed twice`)
    names.push(name)
  }
  return names
}
