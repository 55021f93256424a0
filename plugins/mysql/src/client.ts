// The SQL client inside the database container (restore): its command lines and the short
// statements restore runs. Like the dump, the password only travels in MYSQL_PWD.
import path from 'node:path'

import type {DockerOps} from 'backupbot'

import {dumpEnvironment, findTool} from './command.js'
import {lastLines} from './container.js'
import type {DumpData} from './plan.js'
import {MESSAGE_LIMIT, readAll} from './streams.js'

/** MariaDB's own name first (newer MariaDB images lack `mysql`). */
export const CLIENT_TOOLS = ['mariadb', 'mysql'] as const

export function findClient(docker: Pick<DockerOps, 'exec'>, container: string): Promise<string> {
  return findTool(docker, container, CLIENT_TOOLS, 'backup_mysql restores with the image\'s own client')
}

/**
 * The client's command line. `database` goes in as `--database=` (a name starting with a dash
 * cannot pass for an option); utf8mb4 so that names in statements arrive as written (a dump sets
 * its own character set first anyway).
 */
export function clientCommand(tool: string, user: string, database?: string): string[] {
  return [tool, '--default-character-set=utf8mb4', `--user=${user}`, ...(database === undefined ? [] : [`--database=${database}`])]
}

/** Runs one `-e` batch as the item's user; its tab-separated output (`-N -B`: no headers). `doing` names it in errors. */
export async function runSql(docker: Pick<DockerOps, 'exec'>, container: string, tool: string, data: DumpData, sql: string, doing: string): Promise<string> {
  const handle = await docker.exec(container, [...clientCommand(tool, data.user), '-N', '-B', '-e', sql], {env: dumpEnvironment(data)})
  const [stdout, stderr, code] = await Promise.all([readAll(handle.stdout, 64 * 1024), readAll(handle.stderr, MESSAGE_LIMIT), handle.exitCode])
  if (code !== 0) throw new Error(`${doing} failed: ${path.posix.basename(tool)} exited with ${code}: ${clientMessage(stderr)}`)
  return stdout
}

/** The client's `ERROR ...` lines (it echoes the failed statement around them), else its last lines. */
export function clientMessage(stderr: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR'))
  return (errors.length > 0 ? errors.join(' | ') : lastLines(stderr)) || 'no message'
}
