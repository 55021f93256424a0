// psql and pg_restore inside the database container (restore): their command lines, the short
// scripts restore runs with psql, and feeding a dump into a client's standard input. As for the
// dump, nothing secret is on a command line: the password travels only in PGPASSWORD.
import {Readable} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'

import type {ContainerRef, DockerOps, RunContext} from 'backupbot'

import {dumpEnvironment} from './command.js'
import {lastLines} from './container.js'
import {SHORT_WITH_VALUE} from './options.js'
import type {DumpData} from './plan.js'
import {MESSAGE_LIMIT, readAll} from './streams.js'

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
  docker: Pick<DockerOps, 'exec'>,
  container: ContainerRef,
  data: DumpData,
  database: string,
  script: string,
  variables: Record<string, string>,
  doing: string,
): Promise<string> {
  const handle = await docker.exec(container.id, scriptCommand(data, database, variables), {env: dumpEnvironment(data), stdin: Readable.from([script])})
  const [stdout, stderr, code] = await Promise.all([readAll(handle.stdout, MESSAGE_LIMIT), readAll(handle.stderr, MESSAGE_LIMIT), handle.exitCode])
  if (code !== 0) throw new Error(`${doing} in ${container.name} failed: psql exited with ${code}: ${clientMessage(stderr, stdout, code)}`)
  return stdout
}

/**
 * The client's error lines (`ERROR:`, `FATAL:`, `pg_restore: error: ...`), else its last lines;
 * for 126/127 (the engine could not start it) the engine's message, which comes on stdout.
 */
export function clientMessage(stderr: string, stdout = '', code = 1): string {
  const errors = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\b(?:ERROR|FATAL|PANIC):|\berror:/.test(l))
  const engine = code === 126 || code === 127 ? lastLines(stdout) : ''
  return (errors.length > 0 ? errors.slice(0, 5).join(' | ') : lastLines(stderr)) || engine || 'no message'
}

export interface Fed<T> {
  code: number
  stdout: string
  messages: T
}

/**
 * Runs `cmd` with `content` on its standard input, stopping it when backupbot is interrupted.
 * `readMessages` reads the client's stderr. Throws `<what> in <container> was interrupted<tail>`
 * (or `broke off (...)`) when the exec fails; returns the exit code and output otherwise.
 */
export async function feed<T>(
  ctx: RunContext,
  container: ContainerRef,
  cmd: string[],
  env: Record<string, string>,
  content: Readable,
  readMessages: (stderr: Readable) => Promise<T>,
  what: string,
  tail: string,
): Promise<Fed<T>> {
  const onAbort = () => content.destroy(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('interrupted'))
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  try {
    const handle = await ctx.docker.exec(container.id, cmd, {env, stdin: content})
    const [stdout, messages, code] = await Promise.all([readAll(handle.stdout, MESSAGE_LIMIT), readMessages(handle.stderr), handle.exitCode])
    return {code, stdout, messages}
  } catch (error) {
    const why = ctx.signal.aborted ? 'was interrupted' : `broke off (${(error as Error).message})`
    throw new Error(`${what} in ${container.name} ${why}${tail}`, {cause: error})
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    content.destroy()
  }
}

/** What a pg_dumpall script's load said on stderr, kept within bounds whatever its length. */
export interface ScriptMessages {
  /** `role "x" already exists`: expected, the roles of a server that is not new. */
  existingRoles: number
  /** Every other error, counted; the first few kept. */
  errors: number
  firstErrors: string[]
  /** Warnings and notices (the last lines). */
  others: string[]
}

const LINE_LIMIT = 4096
const KEPT = 5
const ERROR_LINE = /^(?:psql:.*?:\d+: )?(?:ERROR|FATAL|PANIC):\s+(.*)$/
const EXISTING_ROLE = /^role ".*" already exists$/

/** Reads psql's stderr line by line (each line cut at 4 KiB), sorting out its errors. */
export async function scanMessages(stderr: Readable): Promise<ScriptMessages> {
  const result: ScriptMessages = {existingRoles: 0, errors: 0, firstErrors: [], others: []}
  const decoder = new StringDecoder('utf8')
  let partial = ''
  const take = (line: string) => {
    const text = line.trim()
    if (!text) return
    const error = ERROR_LINE.exec(text)
    if (error && EXISTING_ROLE.test(error[1]!.trim())) {
      result.existingRoles++
    } else if (error) {
      result.errors++
      if (result.firstErrors.length < KEPT) result.firstErrors.push(text)
    } else {
      result.others.push(text)
      if (result.others.length > KEPT) result.others.shift()
    }
  }
  for await (const chunk of stderr) {
    const lines = (partial + decoder.write(Buffer.from(chunk as Buffer))).split('\n')
    partial = lines.pop()!.slice(0, LINE_LIMIT)
    for (const line of lines) take(line.slice(0, LINE_LIMIT))
  }
  take(partial + decoder.end())
  return result
}
