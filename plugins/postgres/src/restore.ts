// Restore of one stored dump into the running server (no downtime, nothing stopped): the dump is
// fed to the image's own psql (plain SQL) or pg_restore (custom archive) through the exec's
// standard input. Everything that only reads runs first (the container, the target's state, the
// dump's completeness), so a refusal or a dry run changes nothing.
import path from 'node:path'

import type {BackupItem, ContainerRef, RestoreOptions, RestoreReport, RunContext, StoredArtifact} from 'backupbot'

import {clientMessage, feed, loadCommand, PREREAD_COMMAND, runScript, scanMessages} from './client.js'
import {dumpEnvironment} from './command.js'
import {checkStoredDump, type DumpTool, formatOfFile} from './complete.js'
import {runningContainer} from './container.js'
import type {DumpFormat} from './options.js'
import {ALL_DATABASES_ITEM, type DumpData} from './plan.js'
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
import {MESSAGE_LIMIT, readAll} from './streams.js'

/** PostgreSQL keeps the first 63 bytes of a longer name (NAMEDATALEN - 1). */
const NAME_LIMIT = 63

export async function restoreDump(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions): Promise<RestoreReport> {
  // The stored version's own format: the config may have changed since it was made.
  const format = formatOfFile(artifact.file)
  const dump = `${path.basename(artifact.file)} (version ${artifact.number})`
  if (item.data.database === undefined) return restoreCluster(ctx, item, artifact, options, format, dump)

  const database = targetDatabase(item.data.database, options.to)
  const destination = `database ${database}`
  const container = await runningContainer(ctx, item.service, 'restores')
  const script = (db: string, text: string, variables: Record<string, string>, doing: string) =>
    runScript(ctx.docker, container, item.data, db, text, variables, doing)
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
  await checkComplete(ctx, container, artifact, format, 'pg_dump', dump)
  const report: RestoreReport = {destination, stopped: [], replaced}
  if (options.dryRun) return report

  if (replaced) {
    // Exact replacement: tables the dump lacks disappear; owner, encoding and locale stay.
    await script(maintenance, dropDatabase('name', state.version), {name: database}, `dropping database ${database}`).catch((error: Error) => {
      throw new Error(`${error.message}; it was not changed`, {cause: error})
    })
    await script(maintenance, createDatabase('name', true), {name: database, ...propertyVariables(state.database!)}, `creating database ${database} again`).catch(
      (error: Error) => {
        throw new Error(`${error.message}; database ${database} was dropped and is now missing: restore again once the cause is fixed`, {cause: error})
      },
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
  // libpq reads a --dbname holding "=" or starting with a postgres:// URI as a connection string.
  if (name.includes('=') || /^postgres(?:ql)?:\/\//i.test(name)) {
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
async function checkComplete(ctx: RunContext, container: ContainerRef, artifact: StoredArtifact, format: DumpFormat, tool: DumpTool, dump: string) {
  await checkStoredDump(artifact.content(), format, tool, dump)
  if (format !== 'custom') return
  const read = await feed(ctx, container, PREREAD_COMMAND, {}, artifact.content(), (s) => readAll(s, MESSAGE_LIMIT), `reading ${dump} with pg_restore`, '; nothing was changed')
  if (read.code === 126 || read.code === 127) {
    throw new Error(`pg_restore cannot be run in ${container.name} (exit code ${read.code}): ${clientMessage(read.messages, read.stdout, read.code)}; nothing was changed`)
  }
  if (read.code !== 0) {
    throw new Error(
      `pg_restore in ${container.name} cannot read ${dump} to its end (exit code ${read.code}): ${clientMessage(read.messages, read.stdout, read.code)}; the archive is damaged or incomplete, nothing was changed`,
    )
  }
}

/** Feeds the dump into psql or pg_restore; throws with the client's message if it fails. */
async function loadDatabase(ctx: RunContext, container: ContainerRef, data: DumpData, database: string, format: DumpFormat, artifact: StoredArtifact) {
  const what = `database ${database}`
  const tool = format === 'custom' ? 'pg_restore' : 'psql'
  // content(): decompressed SQL, or the custom archive as stored.
  const cmd = loadCommand(data, format, database)
  const loaded = await feed(ctx, container, cmd, dumpEnvironment(data), artifact.content(), (s) => readAll(s, MESSAGE_LIMIT), `restoring ${what}`, '; it may be partly restored')
  if (loaded.code !== 0) {
    throw new Error(
      `${tool} failed (exit code ${loaded.code}) restoring ${what} in ${container.name}: ${clientMessage(loaded.messages, loaded.stdout, loaded.code)}; ` +
        `the load ran in one transaction and was rolled back, but ${what} may be left empty or partly restored`,
    )
  }
  for (const line of loaded.messages.split('\n').filter((l) => l.trim())) ctx.log.warn(`${tool}: ${line.trim()}`)
}

/**
 * A pg_dumpall script: it creates roles and databases itself, so it goes into `postgres` as is.
 * With --force the server is replaced exactly: every database but postgres and the templates is
 * dropped first (the dump creates its own again), and `postgres` too when it holds objects.
 * Roles are kept: the dump's CREATE ROLE of an existing role fails (its ALTER ROLE then sets it
 * as in the dump), which is why the script runs without ON_ERROR_STOP; every other error fails
 * the item.
 */
async function restoreCluster(ctx: RunContext, item: BackupItem<DumpData>, artifact: StoredArtifact, options: RestoreOptions, format: DumpFormat, dump: string) {
  if (options.to !== undefined) {
    throw new Error(`--to cannot be used with ${ALL_DATABASES_ITEM}: that dump creates every database under its own name; back up single databases to restore one elsewhere`)
  }
  if (format !== 'plain') throw new Error(`${dump}: a pg_dumpall dump is plain SQL (.sql.gz)`)
  const destination = 'all databases'
  const container = await runningContainer(ctx, item.service, 'restores')
  const script = (db: string, text: string, variables: Record<string, string>, doing: string) =>
    runScript(ctx.docker, container, item.data, db, text, variables, doing)

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
  await checkComplete(ctx, container, artifact, format, 'pg_dumpall', dump)
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
    await script('template1', text, variables, `dropping databases ${listed(what)}`).catch((error: Error) => {
      throw new Error(`${error.message}; some of them may be dropped already`, {cause: error})
    })
  }
  ctx.log.info(`${item.service}: ${replaced ? 'replacing' : 'restoring'} ${destination} from ${artifact.file}`)

  const loaded = await feed(
    ctx,
    container,
    loadCommand(item.data, 'plain', undefined),
    dumpEnvironment(item.data),
    artifact.content(),
    scanMessages,
    `restoring ${destination}`,
    '; the server may be partly restored',
  )
  const {messages} = loaded
  if (loaded.code !== 0 || messages.errors > 0) {
    const said = messages.firstErrors.length > 0 ? messages.firstErrors.join(' | ') : clientMessage(messages.others.join('\n'), loaded.stdout, loaded.code)
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
