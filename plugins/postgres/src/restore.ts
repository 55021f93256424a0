// Restore of one stored dump into the running server (no downtime, nothing stopped): the dump is
// fed to the image's own psql (plain SQL) or pg_restore (custom archive) through the exec's
// standard input. Everything that only reads runs first (the container, the target's state, the
// dump's completeness), so a refusal or a dry run changes nothing.
import path from 'node:path'

import type {BackupItem, ContainerRef, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

import {adding, clientMessage, loadCommand, PREREAD_COMMAND, runScript, ScriptMessages} from './client.js'
import {dumpEnvironment} from './command.js'
import {checkComplete, type DumpTool, formatOfFile} from './complete.js'
import {type DumpFormat, isConnectionString} from './options.js'
import type {DumpData} from './plan.js'
import {
  CLUSTER_QUERY,
  createDatabase,
  dropDatabase,
  parseClusterState,
  parseCount,
  parseState,
  propertyVariables,
  STATE_QUERY,
  USER_OBJECTS_QUERY,
} from './sql.js'

/** PostgreSQL keeps the first 63 bytes of a longer name (NAMEDATALEN - 1). */
const NAME_LIMIT = 63

export async function restoreDump(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  // The stored version's own format: the config may have changed since it was made.
  const format = formatOfFile(artifact.file)
  const dump = `${path.basename(artifact.file)} (version ${artifact.number})`
  if (item.data.database === undefined) return restoreCluster(ctx, item, artifact, options, format, dump)

  const database = targetDatabase(item.data.database, options.to)
  const destination = `database ${database}`
  const container = await ctx.commands.runningContainer(item.service)
  const script = (db: string, text: string, variables: Record<string, string>, doing: string) =>
    runScript(ctx.commands, container, item.data, db, text, variables, doing)
  // DROP/CREATE DATABASE run connected to another database than the one they are about.
  const maintenance = database === 'postgres' ? 'template1' : 'postgres'

  const state = parseState(await script(maintenance, STATE_QUERY, {name: database}, `looking up database ${database}`))
  let objects = 0
  if (state.database) {
    if (state.database.template || !state.database.connect) {
      throw new Error(`${destination} in ${container.name} is a template database or takes no connections; nothing was changed: restore into another database with --to NAME`)
    }
    objects = parseCount(await script(database, USER_OBJECTS_QUERY, {}, `counting the objects of database ${database}`))
  }
  const replaced = objects > 0
  if (replaced && !options.force) {
    throw new Error(
      `${destination} in ${container.name} is not empty (${objects} tables, views, sequences or functions); nothing was changed: use --force to replace it, or --to NAME to restore into another database`,
    )
  }
  // An incomplete dump must not replace anything: read it through once before.
  await checkWhole(ctx, container, artifact, format, 'pg_dump', dump)
  const report: RestoreReport = {destination, stopped: [], replaced}
  if (options.dryRun) return report

  if (replaced) {
    // Exact replacement: tables the dump lacks disappear; owner, encoding and locale stay.
    await script(maintenance, dropDatabase('name', state.version), {name: database}, `dropping database ${database}`).catch(adding('; it was not changed'))
    await script(maintenance, createDatabase('name', true), {name: database, ...propertyVariables(state.database!)}, `creating database ${database} again`).catch(
      adding(`; database ${database} was dropped and is now missing: restore again once the cause is fixed`),
    )
  } else if (!state.database) {
    await script(maintenance, createDatabase('name', false), {name: database}, `creating database ${database}`)
  }
  ctx.log.info(`${item.service}: ${replaced ? 'replacing' : 'restoring'} ${destination} from ${artifact.file}`)
  await loadDatabase(ctx, container, item.data, database, format, artifact)
  return report
}

/** The database to restore into: `--to` or the item's own, as a name psql and pg_restore take for a name. */
function targetDatabase(own: string, to: string | undefined): string {
  const name = to ?? own
  const where = to === undefined ? `database "${own}"` : `--to "${name.replaceAll('\0', '\\0')}"`
  if (name === '') throw new Error('--to: the database name is empty')
  if (isConnectionString(name)) {
    throw new Error(`${where}: a database name cannot contain "=" or be a postgres:// URI (psql would read it as a connection string)`)
  }
  if (name.includes('\0')) throw new Error(`${where}: a database name cannot contain NUL`)
  if (Buffer.byteLength(name, 'utf8') > NAME_LIMIT) {
    throw new Error(`${where}: a database name has at most ${NAME_LIMIT} bytes (PostgreSQL would cut it short)`)
  }
  return name
}

/**
 * Throws unless the dump is whole: plain SQL must end with its trailer, a custom archive must
 * start with PGDMP and pg_restore must read it to its end (every data block there) without
 * connecting anywhere. Reads only.
 */
async function checkWhole(ctx: RunContext, container: ContainerRef, artifact: StoredArtifact, format: DumpFormat, tool: DumpTool, dump: string) {
  await checkComplete(artifact, dump, tool)
  if (format !== 'custom') return
  const nothing = '; nothing was changed'
  const read = await ctx.commands.run(container, PREREAD_COMMAND, {input: artifact.content(), doing: `reading ${dump} with pg_restore`}).catch(adding(nothing))
  const said = clientMessage(read.stderr, read.message)
  if (read.code === 126 || read.code === 127) throw new Error(`pg_restore cannot be run in ${container.name} (exit code ${read.code}): ${said}${nothing}`)
  if (read.code !== 0) {
    throw new Error(`pg_restore in ${container.name} cannot read ${dump} to its end (exit code ${read.code}): ${said}; the archive is damaged or incomplete, nothing was changed`)
  }
}

/** Feeds the dump into psql or pg_restore; throws with the client's message if it fails. */
async function loadDatabase(ctx: RunContext, container: ContainerRef, data: DumpData, database: string, format: DumpFormat, artifact: StoredArtifact) {
  const what = `database ${database}`
  const tool = format === 'custom' ? 'pg_restore' : 'psql'
  // content(): decompressed SQL, or the custom archive as stored.
  const loaded = await ctx.commands
    .run(container, loadCommand(data, format, database), {env: dumpEnvironment(data), input: artifact.content(), doing: `restoring ${what}`})
    .catch(adding('; it may be partly restored'))
  if (loaded.code !== 0) {
    throw new Error(
      `${tool} failed (exit code ${loaded.code}) restoring ${what} in ${container.name}: ${clientMessage(loaded.stderr, loaded.message)}; ` +
        `the load ran in one transaction and was rolled back, but ${what} may be left empty or partly restored`,
    )
  }
  for (const line of loaded.stderr.split('\n').filter((l) => l.trim())) ctx.log.warn(`${tool}: ${line.trim()}`)
}

/**
 * A pg_dumpall script: it creates roles and databases itself, so it goes into `postgres` as is.
 * With --force the server is replaced exactly: every database but postgres and the templates is
 * dropped first (the dump creates its own again), and `postgres` too when it holds objects.
 * Roles are kept: the dump's CREATE ROLE of an existing role fails (its ALTER ROLE then sets it
 * as in the dump), which is why the script runs without ON_ERROR_STOP; every other error fails
 * the item. The core refuses `--to` for it (PlannedItem.refuseRestoreTo).
 */
async function restoreCluster(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions, format: DumpFormat, dump: string) {
  if (format !== 'plain') throw new Error(`${dump}: a pg_dumpall dump is plain SQL (.sql.gz, .sql.zst or .sql)`)
  const destination = 'all databases'
  const container = await ctx.commands.runningContainer(item.service)
  const script = (db: string, text: string, variables: Record<string, string>, doing: string) =>
    runScript(ctx.commands, container, item.data, db, text, variables, doing)

  const state = parseClusterState(await script('postgres', CLUSTER_QUERY, {}, 'looking up the databases'))
  const names = state.databases.map((d) => d.name)
  const replaced = names.length > 0 || state.objects > 0
  if (replaced && !options.force) {
    const held = [
      ...(names.length > 0 ? [`databases ${listed(names)}`] : []),
      ...(state.objects > 0 ? [`${state.objects} tables, views, sequences or functions in database postgres`] : []),
    ]
    throw new Error(
      `the server in ${container.name} holds ${held.join(' and ')}; nothing was changed: use --force to replace them with the dump (every database but postgres and the templates is dropped first)`,
    )
  }
  await checkWhole(ctx, container, artifact, format, 'pg_dumpall', dump)
  const report: RestoreReport = {destination, stopped: [], replaced}
  if (options.dryRun) return report

  if (replaced) {
    const variables: Record<string, string> = {}
    let text = ''
    state.databases.forEach((d, i) => {
      variables[`db${i}`] = d.name
      text += dropDatabase(`db${i}`, state.version, d.template)
    })
    if (state.objects > 0) {
      Object.assign(variables, {pg: 'postgres'}, propertyVariables(state.postgres))
      text += dropDatabase('pg', state.version) + createDatabase('pg', true)
    }
    const what = [...names, ...(state.objects > 0 ? ['postgres'] : [])]
    await script('template1', text, variables, `dropping databases ${listed(what)}`).catch(adding('; some of them may be dropped already'))
  }
  ctx.log.info(`${item.service}: ${replaced ? 'replacing' : 'restoring'} ${destination} from ${artifact.file}`)

  const messages = new ScriptMessages()
  const loaded = await ctx.commands
    .run(container, loadCommand(item.data, 'plain', undefined), {
      env: dumpEnvironment(item.data),
      input: artifact.content(),
      onStderrLine: messages.take,
      doing: `restoring ${destination}`,
    })
    .catch(adding('; the server may be partly restored'))
  if (loaded.code !== 0 || messages.errors > 0) {
    const said = messages.firstErrors.length > 0 ? messages.firstErrors.join(' | ') : clientMessage(messages.others.join('\n'), messages.others.join(' | ') || loaded.message)
    const how = loaded.code !== 0 ? `psql failed (exit code ${loaded.code})` : `${messages.errors} statement${messages.errors === 1 ? '' : 's'} of the dump failed`
    throw new Error(`${how} restoring ${destination} in ${container.name}: ${said}; the server may be partly restored`)
  }
  if (messages.existingRoles > 0) {
    ctx.log.info(`${item.service}: ${messages.existingRoles} role(s) of the dump existed already; kept, with the attributes the dump sets`)
  }
  for (const line of messages.others) ctx.log.warn(`psql: ${line}`)
  return report
}

/** Names in double quotes (a name may hold a comma), at most ten. */
function listed(names: string[]): string {
  const shown = names
    .slice(0, 10)
    .map((n) => JSON.stringify(n))
    .join(', ')
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown
}
