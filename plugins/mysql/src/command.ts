// The dump tool inside the database container and its command line. The command line holds no
// secret: the password goes into the exec's environment (MYSQL_PWD), which neither `ps` on the
// host nor `docker inspect` of the exec shows.
import type {ContainerRef, RunContext} from 'backupbot'

import type {DumpData} from './plan.js'

/** MariaDB's own name first: newer MariaDB images warn about (or lack) `mysqldump`. */
const DUMP_TOOLS = ['mariadb-dump', 'mysqldump'] as const

export function dumpCommand(tool: string, data: DumpData): string[] {
  return [
    tool,
    // A consistent snapshot of InnoDB tables without locking out the running service.
    '--single-transaction',
    '--routines',
    '--triggers',
    // The "-- Dump completed" trailer is how a complete dump is recognised; this overrides a
    // `skip-comments` in the container's my.cnf.
    '--comments',
    `--user=${data.user}`,
    // All databases: the events too (root usually dumps these). One database: no tablespace
    // statements (NDB only), whose lookup needs the PROCESS privilege on MySQL 8 that an
    // application user seldom has.
    ...(data.database === undefined ? ['--events'] : ['--no-tablespaces']),
    ...data.extraArgs,
    // One database without --databases: no CREATE DATABASE/USE, so it restores into any database.
    ...(data.database === undefined ? ['--all-databases'] : [data.database]),
  ]
}

export function dumpEnvironment(data: DumpData): Record<string, string> {
  return data.password === undefined ? {} : {MYSQL_PWD: data.password}
}

/** Finds the dump tool in the container: through `sh` when it has one, else by running each tool. */
export function findDumpTool(ctx: RunContext, container: ContainerRef): Promise<string> {
  return findTool(ctx, container, DUMP_TOOLS, "backup_mysql runs the image's own dump tool")
}

/** Finds the first of `tools` in the container; `why` ends the error when there is none. */
export async function findTool(ctx: RunContext, container: ContainerRef, tools: readonly string[], why: string): Promise<string> {
  // Undefined when the command could not be started at all; an interrupt is not "not found".
  const run = (cmd: string[]) =>
    ctx.commands.run(container, cmd).catch((error: unknown) => {
      if (ctx.signal.aborted) throw error
      return undefined
    })
  const viaShell = await run(['sh', '-c', tools.map((t) => `command -v ${t}`).join(' || ')])
  const found = viaShell?.code === 0 ? viaShell.stdout.trim().split('\n').pop()?.trim() : undefined
  if (found) return found
  if (viaShell === undefined || viaShell.code === 126 || viaShell.code === 127) {
    // No shell in the image (distroless): ask each tool directly.
    for (const tool of tools) {
      if ((await run([tool, '--version']))?.code === 0) return tool
    }
  }
  throw new Error(`neither ${tools.join(' nor ')} was found in the container: ${why}`)
}
