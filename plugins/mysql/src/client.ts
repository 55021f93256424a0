// The SQL client inside the database container (restore): its command lines and the short
// statements restore runs. Like the dump, the password only travels in MYSQL_PWD.
import path from 'node:path'

import type {CommandOps, ContainerRef, RunContext} from 'backupbot'

import {dumpEnvironment, findTool} from './command.js'
import type {DumpData} from './plan.js'

/** MariaDB's own name first (newer MariaDB images lack `mysql`). */
const CLIENT_TOOLS = ['mariadb', 'mysql'] as const

export function findClient(ctx: RunContext, container: ContainerRef): Promise<string> {
  return findTool(ctx, container, CLIENT_TOOLS, "backup_mysql restores with the image's own client")
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
export async function runSql(commands: CommandOps, container: ContainerRef, tool: string, data: DumpData, sql: string, doing: string): Promise<string> {
  const result = await commands.run(container, [...clientCommand(tool, data.user), '-N', '-B', '-e', sql], {env: dumpEnvironment(data)})
  if (result.code !== 0) throw new Error(`${doing} in ${container.name} failed: ${path.posix.basename(tool)} exited with ${result.code}: ${clientMessage(result.stderr, result.message)}`)
  return result.stdout
}

/** The client's `ERROR ...` lines (it echoes the failed statement around them), else `fallback` (its last lines). */
export function clientMessage(stderr: string, fallback: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR'))
  return (errors.length > 0 ? errors.join(' | ') : fallback) || 'no message'
}
