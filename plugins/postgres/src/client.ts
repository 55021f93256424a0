// psql and pg_restore inside the database container (restore): their command lines, the short
// scripts restore runs with psql, and what the clients' messages mean. As for the dump, nothing
// secret is on a command line: the password travels only in PGPASSWORD.
import {Readable} from 'node:stream'

import type {CommandOps, ContainerRef} from 'backupbot'

import {dumpEnvironment} from './command.js'
import {SHORT_WITH_VALUE} from './options.js'
import type {DumpData} from './plan.js'

/**
 * The connection options among the backup's extra_args (`--host=`, `--port=`, `-h…`, `-p…`,
 * also abbreviated or inside a cluster of short options): a restore connects the way the dump
 * did (over TCP, where the password is checked, when the dump did). The rest is for pg_dump only.
 */
export function connectionArgs(extraArgs: string[], all: boolean): string[] {
  const found: string[] = []
  for (const arg of extraArgs) {
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=')
      if (equals < 0) continue
      const name = arg.slice(2, equals)
      const value = arg.slice(equals + 1)
      if (name.length >= 2 && 'host'.startsWith(name)) found.push(`--host=${value}`)
      else if (name.length >= 2 && 'port'.startsWith(name)) found.push(`--port=${value}`)
    } else if (arg.startsWith('-')) {
      const withValue = SHORT_WITH_VALUE[all ? 'pg_dumpall' : 'pg_dump']
      for (const [i, letter] of [...arg.slice(1)].entries()) {
        if (!withValue.includes(letter)) continue
        const value = arg.slice(i + 2)
        if (letter === 'h' && value) found.push(`--host=${value}`)
        if (letter === 'p' && value) found.push(`--port=${value}`)
        break
      }
    }
  }
  return found
}

/** What every client command starts with: the user, never a prompt, the dump's connection. */
function connection(data: DumpData): string[] {
  return [`--username=${data.user}`, '--no-password', ...connectionArgs(data.extraArgs, data.database === undefined)]
}

/**
 * psql running a script from standard input: no psqlrc, unaligned rows without headers, stop at
 * the first error. `variables` become `-v name=value`, used in the script as :'name' or :"name".
 * `--dbname=` keeps a name starting with a dash a name.
 */
export function scriptCommand(data: DumpData, database: string, variables: Record<string, string> = {}): string[] {
  return [
    'psql',
    '-X',
    '-A',
    '-t',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    ...Object.entries(variables).flatMap(([name, value]) => ['-v', `${name}=${value}`]),
    ...connection(data),
    `--dbname=${database}`,
  ]
}

/**
 * The client a dump is fed to. Plain SQL of one database: psql, stopping at the first error, in
 * one transaction (a failed load is rolled back). A custom archive: pg_restore, likewise. A
 * pg_dumpall script: psql into `postgres` without ON_ERROR_STOP, as pg_dumpall's own manual
 * says, since its CREATE ROLE of the user running it always fails (see restore.ts).
 */
export function loadCommand(data: DumpData, format: 'plain' | 'custom', database: string | undefined): string[] {
  if (database === undefined) return ['psql', '-X', '-q', ...connection(data), '--dbname=postgres']
  if (format === 'custom') return ['pg_restore', ...connection(data), '--exit-on-error', '--single-transaction', `--dbname=${database}`]
  return ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', ...connection(data), `--dbname=${database}`]
}

/** pg_restore reading a whole custom archive without connecting anywhere: every data block must be there. */
export const PREREAD_COMMAND = ['pg_restore', '--file=/dev/null']

/** Runs a script with psql in `database`; returns its output. `doing` names it in errors. */
export async function runScript(
  commands: CommandOps,
  container: ContainerRef,
  data: DumpData,
  database: string,
  script: string,
  variables: Record<string, string>,
  doing: string,
): Promise<string> {
  const cmd = scriptCommand(data, database, variables)
  const result = await commands.run(container, cmd, {env: dumpEnvironment(data), input: Readable.from([script]), doing})
  if (result.code !== 0) throw new Error(`${doing} in ${container.name} failed: psql exited with ${result.code}: ${clientMessage(result.stderr, result.message)}`)
  return result.stdout
}

/** The client's error lines (`ERROR:`, `FATAL:`, `pg_restore: error: ...`) in `stderr`, else `fallback` (its last lines). */
export function clientMessage(stderr: string, fallback: string): string {
  const errors = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\b(?:ERROR|FATAL|PANIC):|\berror:/.test(l))
  return (errors.length > 0 ? errors.slice(0, 5).join(' | ') : fallback) || 'no message'
}

/** Adds `suffix` to the message of an error, for a `.catch`. */
export function adding(suffix: string) {
  return (error: Error): never => {
    throw new Error(`${error.message}${suffix}`, {cause: error})
  }
}

const KEPT = 5
const ERROR_LINE = /^(?:psql:.*?:\d+: )?(?:ERROR|FATAL|PANIC):\s+(.*)$/
const EXISTING_ROLE = /^role ".*" already exists$/

/**
 * What psql says loading a pg_dumpall script, sorted line by line (give `take` to
 * CommandOptions.onStderrLine) and kept within bounds whatever its length.
 */
export class ScriptMessages {
  /** `role "x" already exists`: expected, the roles of a server that is not new. */
  existingRoles = 0
  /** Every other error, counted; the first few kept. */
  errors = 0
  readonly firstErrors: string[] = []
  /** Warnings and notices (the last lines). */
  readonly others: string[] = []

  readonly take = (line: string): void => {
    const text = line.trim()
    if (!text) return
    const error = ERROR_LINE.exec(text)
    if (error && EXISTING_ROLE.test(error[1]!.trim())) {
      this.existingRoles++
    } else if (error) {
      this.errors++
      if (this.firstErrors.length < KEPT) this.firstErrors.push(text)
    } else {
      this.others.push(text)
      if (this.others.length > KEPT) this.others.shift()
    }
  }
}
