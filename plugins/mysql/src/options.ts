// The config entry of backup_mysql: the common database options (the core adds them to the
// schema: database | databases, user, password, extra_args) and the extra arguments a schema
// cannot refuse with a readable message.
import type {DatabaseOptions, JsonSchema} from 'backupbot'

export type MysqlOptions = DatabaseOptions

/** Nothing of its own: every option is one of the common database options. */
export const optionsSchema: JsonSchema = {type: 'object', additionalProperties: false, properties: {}}

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

/** A database name that would read as an option where it goes, last on the command line. */
export function refusedName(name: string): string | undefined {
  return name.startsWith('-') ? `"${name}" cannot be a database name (it starts with "-")` : undefined
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
