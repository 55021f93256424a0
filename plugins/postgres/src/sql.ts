// The SQL restore runs through psql. No SQL text is ever built from a name or a value: each one
// is handed to psql as a variable (`-v name=...` on the command line) and interpolated by psql
// itself, quoted as a literal (`:'name'`) or as an identifier (`:"name"`). What comes back is one
// JSON object or one number, so no name can be mistaken for a column separator.

/** User objects of the connected database: tables, views, sequences, functions and the like. */
const USER_OBJECTS = [
  '(SELECT pg_catalog.count(*) FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace',
  " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relpersistence <> 't'",
  " AND n.nspname NOT IN ('pg_catalog', 'information_schema'))",
  ' + (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace',
  " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))",
].join('')

/** Counted in the database itself (catalogs are per database). */
export const USER_OBJECTS_QUERY = `SELECT ${USER_OBJECTS};\n`

/** What CREATE DATABASE needs to make a database again as it was. */
const PROPERTIES = [
  "'owner', pg_catalog.pg_get_userbyid(d.datdba)",
  "'encoding', pg_catalog.pg_encoding_to_char(d.encoding)",
  "'collate', d.datcollate",
  "'ctype', d.datctype",
  "'template', d.datistemplate",
  "'connect', d.datallowconn",
].join(', ')

/** The server's version and the database named by variable `name`, in the maintenance database. */
export const STATE_QUERY = [
  "SELECT pg_catalog.json_build_object('version', pg_catalog.current_setting('server_version_num'),",
  ` 'database', (SELECT pg_catalog.json_build_object(${PROPERTIES}) FROM pg_catalog.pg_database AS d WHERE d.datname = :'name'));\n`,
].join('')

/** The databases that are not the server's own, and what the `postgres` database holds (run in it). */
export const CLUSTER_QUERY = [
  "SELECT pg_catalog.json_build_object('version', pg_catalog.current_setting('server_version_num'),",
  " 'databases', (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', d.datname, 'template', d.datistemplate) ORDER BY d.datname)",
  "  FROM pg_catalog.pg_database AS d WHERE d.datname NOT IN ('postgres', 'template0', 'template1')),",
  ` 'objects', ${USER_OBJECTS},`,
  ` 'database', (SELECT pg_catalog.json_build_object(${PROPERTIES}) FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database()));\n`,
].join('')

export interface DatabaseProperties {
  owner: string
  encoding: string
  collate: string
  ctype: string
  template: boolean
  connect: boolean
}

export interface DatabaseState {
  /** server_version_num, e.g. 150020. */
  version: number
  /** undefined when the database does not exist. */
  database?: DatabaseProperties
}

export interface ClusterState {
  version: number
  /** Every database but postgres, template0 and template1. */
  databases: Array<{name: string; template: boolean}>
  /** User objects in the `postgres` database. */
  objects: number
  /** The `postgres` database itself. */
  postgres: DatabaseProperties
}

export function parseState(output: string): DatabaseState {
  const json = parseJson(output)
  const database = json.database === null || json.database === undefined ? undefined : parseProperties(json.database)
  return {version: parseVersion(json.version), ...(database ? {database} : {})}
}

export function parseClusterState(output: string): ClusterState {
  const json = parseJson(output)
  const databases = json.databases ?? []
  if (!Array.isArray(databases) || !databases.every((d) => typeof d?.name === 'string' && typeof d?.template === 'boolean')) unexpected(output)
  return {
    version: parseVersion(json.version),
    databases: databases.map((d: {name: string; template: boolean}) => ({name: d.name, template: d.template})),
    objects: parseCount(String(json.objects)),
    postgres: parseProperties(json.database),
  }
}

/** A count as psql prints it with -A -t. */
export function parseCount(text: string | undefined): number {
  const trimmed = text?.trim() ?? ''
  if (!/^\d+$/.test(trimmed)) unexpected(text)
  return Number(trimmed)
}

/**
 * Drops the database named by `variable`. From PostgreSQL 13 on, WITH (FORCE) ends the sessions
 * connected to it; before, they are terminated first. A template database (IS_TEMPLATE) cannot
 * be dropped until it is made an ordinary one.
 */
export function dropDatabase(variable: string, version: number, template = false): string {
  const lines: string[] = []
  if (template) lines.push(`ALTER DATABASE :"${variable}" IS_TEMPLATE false;`)
  if (version >= 130000) {
    lines.push(`DROP DATABASE :"${variable}" WITH (FORCE);`)
  } else {
    lines.push(
      `SELECT pg_catalog.count(pg_catalog.pg_terminate_backend(a.pid)) FROM pg_catalog.pg_stat_activity AS a WHERE a.datname = :'${variable}' AND a.pid <> pg_catalog.pg_backend_pid();`,
      `DROP DATABASE :"${variable}";`,
    )
  }
  return `${lines.join('\n')}\n`
}

/**
 * CREATE DATABASE from template0 (as pg_dump advises for a restore: nothing a template1 may have
 * gained gets in the way), as it was (owner, encoding, collation, character classes) when the
 * properties are given (variables owner, encoding, collate, ctype), else owned by the user
 * running it.
 */
export function createDatabase(variable: string, asBefore: boolean): string {
  const keep = asBefore ? ` OWNER :"owner" ENCODING :'encoding' LC_COLLATE :'collate' LC_CTYPE :'ctype'` : ''
  return `CREATE DATABASE :"${variable}" TEMPLATE template0${keep};\n`
}

/** The psql variables createDatabase(…, true) uses. */
export function propertyVariables(properties: DatabaseProperties): Record<string, string> {
  return {owner: properties.owner, encoding: properties.encoding, collate: properties.collate, ctype: properties.ctype}
}

function parseProperties(value: unknown): DatabaseProperties {
  const p = value as Record<string, unknown> | null
  const strings = ['owner', 'encoding', 'collate', 'ctype'] as const
  if (!p || typeof p !== 'object' || !strings.every((k) => typeof p[k] === 'string') || typeof p.template !== 'boolean' || typeof p.connect !== 'boolean') {
    unexpected(JSON.stringify(value))
  }
  return {owner: p.owner as string, encoding: p.encoding as string, collate: p.collate as string, ctype: p.ctype as string, template: p.template as boolean, connect: p.connect as boolean}
}

function parseJson(output: string): Record<string, any> {
  try {
    const json = JSON.parse(output.trim())
    if (json && typeof json === 'object' && !Array.isArray(json)) return json
  } catch {
    // reported below
  }
  return unexpected(output)
}

function parseVersion(value: unknown): number {
  return parseCount(String(value))
}

function unexpected(text: string | undefined): never {
  throw new Error(`unexpected answer from the server: ${JSON.stringify(text?.slice(0, 200))}`)
}
