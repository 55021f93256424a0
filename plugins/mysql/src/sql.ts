// SQL text for restore. Database names are identifiers: quoted with backticks, and names that
// could break out of the quotes are refused. Where a name is compared as a value, it goes in as
// a hex literal of its UTF-8 bytes, which no sql_mode or character set can misread.

/** `name` in backticks; refuses names no quoting makes safe here (a backtick, NUL) and empty ones. */
function quoteIdentifier(name: string): string {
  return `\`${checkDatabaseName(name)}\``
}

export function checkDatabaseName(name: string): string {
  if (name === '') throw new Error('the database name is empty')
  if (name.includes('`') || name.includes('\0')) throw new Error(`"${name.replaceAll('\0', '\\0')}" cannot be restored into: a database name must not contain a backtick or NUL`)
  return name
}

function hexLiteral(value: string): string {
  return `X'${Buffer.from(value, 'utf8').toString('hex')}'`
}

/** What restore needs to know about the target database before touching it. */
export interface DatabaseState {
  exists: boolean
  /** Tables and views, and stored routines: anything the restore would replace. */
  objects: number
  /** Its defaults, kept when it is dropped and created again. */
  charset?: string
  collation?: string
}

/** One row (charset, collation, tables, routines) when the database exists, none otherwise. */
export function stateQuery(database: string): string {
  checkDatabaseName(database)
  // Compared as bytes: exactly this name (the column's collation would ignore case).
  return [
    'SELECT s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME,',
    ' (SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME),',
    ' (SELECT COUNT(*) FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = s.SCHEMA_NAME)',
    ` FROM information_schema.SCHEMATA s WHERE CAST(s.SCHEMA_NAME AS BINARY) = ${hexLiteral(database)}`,
  ].join('')
}

export function parseState(output: string): DatabaseState {
  const row = output.split('\n').find((l) => l.trim() !== '')
  if (row === undefined) return {exists: false, objects: 0}
  const [charset, collation, tables, routines] = row.split('\t')
  return {exists: true, objects: parseCount(tables) + parseCount(routines), charset: charset?.trim(), collation: collation?.trim()}
}

/** A COUNT(*) as the client prints it. */
export function parseCount(text: string | undefined): number {
  const trimmed = text?.trim() ?? ''
  if (!/^\d+$/.test(trimmed)) throw new Error(`unexpected answer from the server: ${JSON.stringify(text)} (expected a count)`)
  return Number(trimmed)
}

/** Tables and routines outside the server's own schemas (an all-databases restore). */
export const USER_OBJECTS_QUERY = [
  "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys'))",
  " + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys'))",
].join('')

/** CREATE DATABASE, with the defaults of the database it replaces when known. */
export function createDatabase(database: string, state?: DatabaseState): string {
  const word = /^[A-Za-z0-9_]+$/
  const charset = state?.charset && word.test(state.charset) ? ` CHARACTER SET ${state.charset}` : ''
  const collation = charset && state?.collation && word.test(state.collation) ? ` COLLATE ${state.collation}` : ''
  return `CREATE DATABASE ${quoteIdentifier(database)}${charset}${collation}`
}

export function dropDatabase(database: string): string {
  return `DROP DATABASE ${quoteIdentifier(database)}`
}
