// The config entry of backup_postgres: its own option, `format` (the core adds the common
// database options: database | databases, user, password, extra_args), and the rules of pg_dump
// and pg_dumpall a schema cannot express with a readable message: which names and extra
// arguments they would misread.
import type {DatabaseOptions, DatabaseRules, JsonSchema} from 'backupbot'

export type DumpFormat = 'plain' | 'custom'

export interface PostgresOptions extends DatabaseOptions {
  /** `plain` (default): SQL, compressed by backupbot (gzip or zstd). `custom`: `pg_dump -Fc`, for pg_restore. */
  format?: DumpFormat
}

export const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {format: {enum: ['plain', 'custom']}},
}

/** What PlanContext.databases checks for a dump in `format`. */
export function databaseRules(format: DumpFormat): DatabaseRules {
  return {defaultUser: 'postgres', refuseName: refusedName, refuseArgument: (arg, all) => refusedArgument(arg, {all, format})}
}

/**
 * libpq reads a --dbname holding "=" or starting with a postgres:// URI as a connection string,
 * which could point elsewhere or carry a password.
 */
export function isConnectionString(name: string): boolean {
  return name.includes('=') || /^postgres(?:ql)?:\/\//i.test(name)
}

function refusedName(name: string): string | undefined {
  return isConnectionString(name) ? 'a database name cannot contain "=" or be a postgres:// URI (pg_dump would read it as a connection string)' : undefined
}

/** Which tool the arguments go to, and in which format it writes. */
export interface ArgumentContext {
  /** pg_dumpall (every database) rather than pg_dump. */
  all: boolean
  format: DumpFormat
}

/** Short options that take a value: the rest of a cluster (`-h127.0.0.1`) is that value. */
export const SHORT_WITH_VALUE = {pg_dump: 'dEefFhjnNpStTUZ', pg_dumpall: 'dEfFhlpSU'}

/**
 * Extra arguments that would defeat the scheme: the output must be one dump on standard output
 * in the chosen format (so that the trailer or magic check means something), the password must
 * not travel on a command line or wait for a prompt, the database and user come from the
 * options, and a single-database dump must restore into any database. Returns why `arg` is
 * refused, if it is.
 */
export function refusedArgument(arg: string, context: ArgumentContext): string | undefined {
  // Values must be attached (`--host=x`, `-hx`): a separate value would look like a positional
  // argument, which pg_dump takes for the database name or a connection string. Not echoed: a
  // connection string may hold a password.
  if (!arg.startsWith('-') || arg === '-' || arg === '--') {
    return 'positional arguments are not accepted (pg_dump reads them as a database or connection string); attach option values, as in --host=127.0.0.1'
  }
  if (arg.startsWith('--')) return refusedLongOption(arg.slice(2).split('=', 1)[0]!.toLowerCase(), context)
  return refusedShortCluster(arg, context)
}

/** A cluster of short options (`-xOv`, `-fout.sql`): each letter up to one that takes a value. */
function refusedShortCluster(arg: string, context: ArgumentContext): string | undefined {
  const withValue = SHORT_WITH_VALUE[context.all ? 'pg_dumpall' : 'pg_dump']
  for (const letter of arg.slice(1)) {
    const why = refusedShortLetter(letter, context)
    if (why) return why
    if (withValue.includes(letter)) return undefined
  }
  return undefined
}

function refusedShortLetter(letter: string, context: ArgumentContext): string | undefined {
  const arg = `-${letter}`
  if (letter === 'W') return promptsForPassword(arg)
  if (letter === 'U') return `${arg}: use the "user" option`
  if (letter === 'd') return chooseDatabaseWithOptions(arg)
  if (letter === 'f') return notOneStream(arg)
  if (letter === 'F') return useFormatOption(arg)
  if (context.all) return undefined
  if (letter === 'j') return notOneStream(arg)
  if (letter === 'C') return createsDatabase(arg)
  if (letter === 'Z' && context.format === 'plain') return compressesPlain(arg)
  return undefined
}

/**
 * getopt_long accepts any unambiguous prefix of a long option (`--fi` is `--file`), so a name
 * is refused when it starts the refused option's name and is at least `shortest` long.
 */
function refusedLongOption(name: string, context: ArgumentContext): string | undefined {
  // Named without the value that came with it (it may be a secret).
  const arg = `--${name}`
  const is = (full: string, shortest: number) => name.length >= shortest && full.startsWith(name)
  if (is('password', 2)) return promptsForPassword(arg)
  if (is('username', 4)) return `${arg}: use the "user" option`
  if (is('dbname', 2)) return chooseDatabaseWithOptions(arg)
  if (is('file', 2)) return notOneStream(arg)
  if (is('format', 2)) return useFormatOption(arg)
  if (context.all) return undefined
  if (is('jobs', 1)) return notOneStream(arg)
  if (is('create', 2)) return createsDatabase(arg)
  if (is('compress', 3) && context.format === 'plain') return compressesPlain(arg)
  return undefined
}

// Each message gets only the option's name, never a value that came with it.
const promptsForPassword = (arg: string) =>
  `${arg} would ask for a password at a prompt; backupbot passes the "password" option in the environment (PGPASSWORD)`
const chooseDatabaseWithOptions = (arg: string) =>
  `${arg} is not supported: choose databases with "database" or "databases" (a connection string could also carry a password)`
const notOneStream = (arg: string) =>
  `${arg} is not supported: backup_postgres streams one dump per database from standard output and writes nothing inside the container`
const useFormatOption = (arg: string) => `${arg}: use the "format" option ("plain" or "custom")`
const createsDatabase = (arg: string) =>
  `${arg} is refused: a single-database dump has no CREATE DATABASE so that it restores into any database`
const compressesPlain = (arg: string) =>
  `${arg} is refused with format "plain": backupbot compresses the SQL itself and checks its "-- PostgreSQL database dump complete" trailer (compression is fine with format "custom")`
