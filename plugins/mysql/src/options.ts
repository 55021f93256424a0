// The config entry of backup_mysql: its JSON Schema (checked by the core before anything runs)
// and the checks a schema cannot express with a readable message.

export interface MysqlOptions {
  /** One database (a literal or a key reference such as `db.environment.MYSQL_DATABASE`). */
  database?: string
  /** `["all"]` (every database, `--all-databases`) or a list of databases (literals or references). */
  databases?: string[]
  /** Default `root`; a literal or a key reference. */
  user?: string
  /** A literal or a key reference; masked everywhere backupbot prints. */
  password?: string
  /** Extra arguments for the dump tool, e.g. `["--hex-blob"]`. */
  extra_args?: string[]
}

const nonEmpty = {type: 'string', minLength: 1}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    database: nonEmpty,
    databases: {type: 'array', minItems: 1, uniqueItems: true, items: nonEmpty},
    user: nonEmpty,
    password: {type: 'string'},
    extra_args: {type: 'array', items: {type: 'string'}},
  },
  // Exactly one of the two; plan() repeats the check with a plainer message.
  oneOf: [{required: ['database']}, {required: ['databases']}],
}

/**
 * Extra arguments that would defeat the scheme: the trailer check needs the dump's comments,
 * the password must not travel on a command line, the output must be one plain SQL stream on
 * stdout, and the databases are chosen by the options. Returns why `arg` is refused, if it is.
 */
export function refusedArgument(arg: string): string | undefined {
  const long = /^--(?:loose-)?([a-z_-]+)(?:=(.*))?$/i.exec(arg)
  if (long) return refusedLongOption(arg, long[1]!.toLowerCase().replaceAll('_', '-'), long[2]?.toLowerCase())
  // Short options: -p (password), -u (user), -A/-B (database choice), -r/-T (files), -X (xml).
  const letter = /^-([a-zA-Z])/.exec(arg)?.[1]
  if (letter === 'p') return passwordOnCommandLine('-p')
  if (letter === 'u') return `${arg}: use the "user" option`
  if (letter && 'ABrTX'.includes(letter)) return notPlainDump(arg)
  return undefined
}

function refusedLongOption(arg: string, name: string, value: string | undefined): string | undefined {
  // The tools accept any unambiguous prefix of an option name, and `--skip-`/`--disable-`
  // (or `=0`/`=off`/`=false`) to turn a boolean off.
  const negated = /^(?:skip|disable)-(.+)$/.exec(name)
  const base = negated?.[1] ?? name
  const off = Boolean(negated) || value === '0' || value === 'off' || value === 'false'
  const is = (full: string, shortest: number) => base.length >= shortest && full.startsWith(base)
  if ((off && is('comments', 4)) || (!negated && is('compact', 5))) {
    return `${arg} removes the "-- Dump completed" trailer that backup_mysql checks to know a dump is complete, so it is refused`
  }
  if (is('password', 3)) return passwordOnCommandLine(`--${name}`)
  if (base === 'user') return `${arg}: use the "user" option`
  if (['databases', 'all-databases', 'tab', 'result-file', 'xml', 'defaults-file', 'defaults-extra-file', 'no-defaults'].includes(base)) {
    return notPlainDump(arg)
  }
  return undefined
}

// Names only the option, never the value that came with it.
const passwordOnCommandLine = (option: string) => `${option} would put the password on a command line; use the "password" option`
const notPlainDump = (arg: string) =>
  `${arg} is not supported: backup_mysql streams one plain SQL dump per database from standard output (choose databases with "database" or "databases")`
