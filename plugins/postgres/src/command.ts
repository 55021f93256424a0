// pg_dump/pg_dumpall inside the database container and their command line. The command line
// holds no secret: the password goes into the exec's environment (PGPASSWORD), which neither
// `ps` on the host nor `docker inspect` of the exec shows.
import type {DumpTool} from './complete.js'
import type {DumpData} from './plan.js'

export function dumpTool(data: DumpData): DumpTool {
  return data.database === undefined ? 'pg_dumpall' : 'pg_dump'
}

/**
 * No --host: like `docker exec db pg_dump`, libpq connects through the container's own unix
 * socket (a `--host=127.0.0.1` in extra_args switches to TCP, where the password is checked).
 */
export function dumpCommand(data: DumpData): string[] {
  const common = [
    `--username=${data.user}`,
    // Never wait for a password prompt: a missing or wrong password fails at once.
    '--no-password',
  ]
  if (data.database === undefined) return ['pg_dumpall', ...common, ...data.extraArgs]
  return [
    'pg_dump',
    ...common,
    // Plain: no --create, so a single-database dump restores into any database.
    `--format=${data.format}`,
    ...data.extraArgs,
    // --dbname rather than a positional name: a name starting with "-" stays a name.
    `--dbname=${data.database}`,
  ]
}

export function dumpEnvironment(data: DumpData): Record<string, string> {
  return data.password === undefined ? {} : {PGPASSWORD: data.password}
}
