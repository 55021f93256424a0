// Restore of one stored dump into the running server (no downtime, nothing stopped): the
// decompressed dump is fed to the image's own client through the exec's standard input.
// Everything that only reads runs first (the container, the client, the dump's trailer, the
// target's state), so a refusal or a dry run changes nothing.
import path from 'node:path'

import type {BackupItem, ContainerRef, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

import {clientCommand, clientMessage, findClient, runSql} from './client.js'
import {dumpEnvironment} from './command.js'
import {runningContainer} from './container.js'
import {ALL_DATABASES_ITEM, type DumpData} from './plan.js'
import {checkDatabaseName, createDatabase, type DatabaseState, dropDatabase, parseCount, parseState, stateQuery, USER_OBJECTS_QUERY} from './sql.js'
import {MESSAGE_LIMIT, readAll} from './streams.js'
import {checkTrailer} from './trailer.js'

export async function restoreDump(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  // undefined: an all-databases dump, restored as is (it creates its databases by their names).
  const database = targetDatabase(item.data, options)
  const destination = database === undefined ? 'all databases' : `database ${database}`
  const container = await runningContainer(ctx, item.service, 'restores')
  const tool = await findClient(ctx.docker, container.id)
  const sql = (text: string, doing: string) => runSql(ctx.docker, container.id, tool, item.data, text, `${doing} in ${container.name}`)

  let state: DatabaseState | undefined
  let objects: number
  if (database === undefined) {
    objects = parseCount(await sql(USER_OBJECTS_QUERY, 'counting the tables of every database'))
  } else {
    state = parseState(await sql(stateQuery(database), `looking up database ${database}`))
    objects = state.objects
  }
  const replaced = objects > 0
  if (replaced && !options.force) {
    throw new Error(
      database === undefined
        ? `the server in ${container.name} holds ${objects} tables, views or routines outside its system databases; nothing was changed: use --force to restore the dump over them`
        : `${destination} in ${container.name} is not empty (${objects} tables, views or routines); nothing was changed: use --force to replace it, or --to NAME to restore into another database`,
    )
  }
  // An incomplete dump must not replace anything: read it through once before.
  await checkTrailer(artifact.content(), `${path.basename(artifact.file)} (version ${artifact.number})`)
  const report: RestoreReport = {destination, stopped: [], replaced}
  if (options.dryRun) return report

  if (database !== undefined) {
    // Exact replacement: drop the old one (tables absent from the dump disappear), keep its defaults.
    if (replaced) await sql(`${dropDatabase(database)}; ${createDatabase(database, state)}`, `replacing database ${database}`)
    else if (!state!.exists) await sql(createDatabase(database), `creating database ${database}`)
    ctx.log.info(`${item.service}: ${replaced ? 'replacing' : 'restoring'} ${destination} from ${artifact.file}`)
  }
  await load(ctx, container, tool, item.data, database, artifact)
  return report
}

/** The database to restore into: `--to` or the item's own; none for all-databases. */
function targetDatabase(data: DumpData, options: RestoreOptions): string | undefined {
  if (data.database === undefined) {
    if (options.to !== undefined) {
      throw new Error(`--to cannot be used with ${ALL_DATABASES_ITEM}: that dump creates every database under its own name; back up single databases to restore one elsewhere`)
    }
    return undefined
  }
  return checkDatabaseName(options.to ?? data.database)
}

/** Feeds the decompressed dump into the client; throws with the client's message if it fails. */
async function load(ctx: RunContext, container: ContainerRef, tool: string, data: DumpData, database: string | undefined, artifact: StoredArtifact) {
  const what = database === undefined ? 'all databases' : `database ${database}`
  const toolName = path.posix.basename(tool)
  const content = artifact.content()
  const onAbort = () => content.destroy(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('interrupted'))
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  try {
    const handle = await ctx.docker.exec(container.id, clientCommand(tool, data.user, database), {env: dumpEnvironment(data), stdin: content})
    let result: [string, string, number]
    try {
      result = await Promise.all([readAll(handle.stdout, MESSAGE_LIMIT), readAll(handle.stderr, MESSAGE_LIMIT), handle.exitCode])
    } catch (error) {
      const why = ctx.signal.aborted ? 'was interrupted' : `broke off (${(error as Error).message})`
      throw new Error(`restoring ${what} in ${container.name} ${why}; it may be partly restored`, {cause: error})
    }
    const [, messages, code] = result
    if (code !== 0) {
      throw new Error(`${toolName} failed (exit code ${code}) restoring ${what} in ${container.name}: ${clientMessage(messages)}; it may be partly restored`)
    }
    for (const line of messages.split('\n').filter((l) => l.trim())) ctx.log.warn(`${toolName}: ${line.trim()}`)
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    content.destroy()
  }
}
