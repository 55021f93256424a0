// Restore of one stored dump into the running server (no downtime, nothing stopped): the
// decompressed dump is fed to the image's own client through the exec's standard input.
// Everything that only reads runs first (the container, the client, the dump's trailer, the
// target's state), so a refusal or a dry run changes nothing.
import path from 'node:path'

import type {BackupItem, ContainerRef, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

import {clientCommand, clientMessage, findClient, runSql} from './client.js'
import {dumpEnvironment} from './command.js'
import {checkComplete} from './complete.js'
import type {DumpData} from './plan.js'
import {checkDatabaseName, createDatabase, type DatabaseState, dropDatabase, parseCount, parseState, stateQuery, USER_OBJECTS_QUERY} from './sql.js'

export async function restoreDump(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  // undefined: an all-databases dump, restored as is (it creates its databases by their names);
  // the core refuses --to for it (PlannedItem.refuseRestoreTo).
  const database = item.data.database === undefined ? undefined : checkDatabaseName(options.to ?? item.data.database)
  const destination = database === undefined ? 'all databases' : `database ${database}`
  const container = await ctx.commands.runningContainer(item.service)
  const tool = await findClient(ctx, container)
  const sql = (text: string, doing: string) => runSql(ctx.commands, container, tool, item.data, text, doing)

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
  await checkComplete(artifact, `${path.basename(artifact.file)} (version ${artifact.number})`)
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

/** Feeds the decompressed dump into the client; throws with the client's message if it fails. */
async function load(ctx: RunContext, container: ContainerRef, tool: string, data: DumpData, database: string | undefined, artifact: StoredArtifact) {
  const what = database === undefined ? 'all databases' : `database ${database}`
  const toolName = path.posix.basename(tool)
  const partly = '; it may be partly restored'
  const loaded = await ctx.commands
    .run(container, clientCommand(tool, data.user, database), {env: dumpEnvironment(data), input: artifact.content(), doing: `restoring ${what}`})
    .catch((error: Error) => {
      throw new Error(`${error.message}${partly}`, {cause: error})
    })
  if (loaded.code !== 0) {
    throw new Error(`${toolName} failed (exit code ${loaded.code}) restoring ${what} in ${container.name}: ${clientMessage(loaded.stderr, loaded.message)}${partly}`)
  }
  for (const line of loaded.stderr.split('\n').filter((l) => l.trim())) ctx.log.warn(`${toolName}: ${line.trim()}`)
}
