// One database dump, streamed: the tool runs in the service's own running container (no
// downtime, nothing written inside it) and its standard output is the artifact, which the core
// compresses. A dump counts as complete only when the tool exited 0 AND its output ends with
// the "-- Dump completed" trailer, which the tools write last.
import path from 'node:path'
import type {Writable} from 'node:stream'

import type {BackupItem, RunContext} from 'backupbot'

import {dumpCommand, dumpEnvironment, findDumpTool} from './command.js'
import {TRAILER_WINDOW, whyIncomplete} from './complete.js'
import type {DumpData} from './plan.js'

export async function dumpDatabase(ctx: RunContext, item: BackupItem<DumpData>, out: Writable): Promise<void> {
  const what = item.data.database === undefined ? 'all databases' : `database ${item.data.database}`
  const container = await ctx.commands.runningContainer(item.service)
  const tool = await findDumpTool(ctx, container)
  const toolName = path.posix.basename(tool)
  const cmd = dumpCommand(tool, item.data)
  ctx.log.debug(`${item.service}: running ${cmd.join(' ')} in ${container.name}`)
  const dump = await ctx.commands.streamTo(out, container, cmd, {env: dumpEnvironment(item.data), tail: TRAILER_WINDOW})
  if (dump.code !== 0) {
    throw new Error(`${toolName} failed (exit code ${dump.code}) dumping ${what} in ${container.name}: ${dump.message || 'no message'}`)
  }
  const why = whyIncomplete(dump.tail)
  if (why) {
    throw new Error(
      `the dump of ${what} is incomplete: ${toolName} exited 0 but ${why}, so it was cut short ` +
        "(options that drop the trailer, like --skip-comments or --compact, are refused; check the container's my.cnf too)",
    )
  }
  // Warnings of a successful dump (e.g. a skipped table) are worth seeing.
  for (const line of dump.stderr.split('\n').filter((l) => l.trim())) ctx.log.warn(`${item.service}: ${toolName}: ${line.trim()}`)
}
