// One database dump, streamed: pg_dump (or pg_dumpall) runs in the service's own running
// container (no downtime, nothing written inside it) and its standard output is the artifact,
// which the core compresses for plain SQL (PlannedItem.compress). A dump counts only when the tool
// exited 0 AND its output proves it is whole (see complete.ts).
import type {Writable} from 'node:stream'

import type {BackupItem, RunContext} from 'backupbot'

import {dumpCommand, dumpEnvironment, dumpTool} from './command.js'
import {CUSTOM_MAGIC, TRAILER_WINDOW, whyIncomplete} from './complete.js'
import type {DumpData} from './plan.js'

export async function dumpDatabase(ctx: RunContext, item: BackupItem<DumpData>, out: Writable): Promise<void> {
  const what = item.data.database === undefined ? 'all databases' : `database ${item.data.database}`
  const tool = dumpTool(item.data)
  const container = await ctx.commands.runningContainer(item.service)
  const cmd = dumpCommand(item.data)
  ctx.log.debug(`${item.service}: running ${cmd.join(' ')} in ${container.name}`)
  const dump = await ctx.commands.streamTo(out, container, cmd, {env: dumpEnvironment(item.data), head: CUSTOM_MAGIC.length, tail: TRAILER_WINDOW})
  if (dump.code !== 0) {
    throw new Error(`${tool} failed (exit code ${dump.code}) dumping ${what} in ${container.name}: ${dump.message || 'no message'}`)
  }
  const why = whyIncomplete(tool, item.data.format, dump.head, dump.tail)
  if (why) throw new Error(`the dump of ${what} is incomplete: ${tool} exited 0 but ${why}`)
  // Warnings of a successful dump are worth seeing.
  for (const line of dump.stderr.split('\n').filter((l) => l.trim())) ctx.log.warn(`${item.service}: ${tool}: ${line.trim()}`)
}
