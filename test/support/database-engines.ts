// What differs per engine in the database schemes' integration suite, database-schemes.test.ts:
// one entry per engine, MariaDB for backup_mysql and PostgreSQL for backup_postgres. The suite
// runs the same scenarios against each; the few that only one engine has are marked there by
// `engine.kind`.
//
// Both fixtures (test/fixtures/mysql-project, postgres-project) hold one service `db` with a
// database `shop`, an application user and distinctive passwords, so that any leak is found by a
// plain substring search; DUMP_USER comes from an env_file, which only the container knows.
// PostgreSQL's test image trusts socket connections, like the official one, so its password is
// only checked over TCP: the scenarios that need it add `passwordChecked` to the item.
import {execa} from 'execa'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {REPO_ROOT} from './cli.js'
import {type ComposeProject, type RunResult, waitUntil} from './compose.js'
import {TEST_IMAGES} from './engine.js'
import {FRESH_SERVER_PASSWORD, startFreshMariadb, startFreshPostgres} from './fresh-servers.js'

/** One entry of a scheme's config list for the service `db`. */
export type Item = Record<string, unknown>

/** A server outside compose that dumps are restored into. */
export interface FreshServer {
  /** The container's name. */
  readonly name: string
  /** Feeds SQL (or a dump) to the superuser's client in `database`; returns its output. */
  sql(input: string | Uint8Array, database: string): Promise<string>
}

export interface DatabaseEngine {
  kind: 'mysql' | 'postgres'
  /** The server, for test names. */
  server: string
  scheme: string
  /** The folder of the scheme's items under <target>/<service>/. */
  folder: string
  image: string
  fixture: string
  /** Set when the scheme is not a core plugin: it is packed and installed with plugins:install. */
  plugin?: {dir: string; name: string}
  /** The fixture's passwords: none may ever show. */
  secrets: string[]
  appUser: string

  /** Resolves once the application user can use its database. */
  ready(project: ComposeProject): Promise<unknown>
  /** SQL as the application user (the definer of the trigger and routine), in `database`. */
  appSql(project: ComposeProject, input: string, database?: string): Promise<RunResult>
  /** SQL as the server's superuser, in `database` (serverDatabase for statements on the server). */
  adminSql(project: ComposeProject, input: string, database?: string): Promise<RunResult>
  serverDatabase: string
  /** Lists every database, one a line. */
  listDatabases: string
  /** Logs in as the application user with its password, where the server checks it, and counts the customers. */
  countCustomersAsAppUser(project: ComposeProject): Promise<string>

  /** Tables with awkward values, an audit table filled by a trigger, a routine. */
  schema: string
  /** The row inserted between two backups. */
  anotherRow: string
  /** How many customers there are with that row. */
  customersWithAnotherRow: string
  /** Rows, trigger, routine and tables: what a restore must bring back identically. */
  snapshot: string
  /** In the snapshot: texts, and whole lines. */
  snapshotShows: {texts: string[]; lines: string[]}
  /** Drops `customers` (and what depends on it) and empties `audit`. */
  dropCustomers: string
  /** Run on a fresh server before a dump of `shop` goes in: creates `restored` (and the owner, where a database dump has no roles). */
  freshPrepare: string
  startFresh(): Promise<FreshServer>

  /** The application's database, user and password as key references. */
  appItem: Item
  /** Added to an item so that the server checks the password. */
  passwordChecked: Item
  /** Every database, as the user in DUMP_USER, which only the container knows (the fixture gets it from docker-compose's environment). */
  dumpUserItem: Item
  /** DUMP_USER's value. */
  dumpUser: string
  /** Every database, for restores. */
  allItem: Item
  /** For restores --to another database, where the application user may not create databases: one that may. */
  toItem?: Item
  unknownDatabaseItem: Item

  /** In a single-database dump. */
  dumpShows: string[]
  /** Never in a single-database dump: it must restore under another name. */
  dumpNever: RegExp
  /** The last line of a complete dump, which verify and restore look for. */
  trailer: string
  trailerAtEnd: RegExp
  allDumpShows: RegExp[]
  allTrailerAtEnd: RegExp

  /** The dump tool's failure, then the server's message for a wrong password of `user`. */
  dumpFailed: RegExp
  wrongPassword(user: string): string
  unknownDatabase: RegExp
  /** An extra_args option the scheme refuses before touching anything, and what it says. */
  refusedExtraArg: {arg: string; says: string[]}
  /** A database name --to takes as one name, and one it refuses before touching anything. */
  hostileName: string
  refusedName: {name: string; says: string}
  /** What a refused all-databases restore says. */
  allRefusalSays: string[]
  /** Changes after an all-databases backup: [SQL, database]. */
  allDamage: Array<[string, string]>
  /** A database made after an all-databases backup that a forced restore of it drops (PostgreSQL replaces the server). */
  allDropsLaterDatabase?: string

  longDump: {
    /** SQL that makes the dump run long enough to be watched (in the backup project). */
    prepare?: string
    /** Keeps the next dump running until the returned function is called. */
    hold(project: ComposeProject): Promise<() => Promise<void>>
    /** A host `ps` line of the dump tool, and of the dump running. */
    tool: RegExp
    running: RegExp
    /** A write the service takes while the dump runs. */
    write: string
    /** In the dump's command line (never the password). */
    args: string[]
    /** In the inspect data of the dump's exec. */
    execShows: string
    minBytes: number
    /** How long the tool may take to die once backupbot is interrupted. */
    endsWithinMs: number
  }

  /** PostgreSQL: the owner a replaced database keeps. */
  ownerQuery?: string
  /** PostgreSQL: opens a session on `shop` and resolves once it is connected, with its end. */
  openSession?(project: ComposeProject): Promise<{ended: Promise<RunResult>}>
}

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

// ---------------------------------------------------------------------------------------------
// MariaDB (backup_mysql, a core plugin)

// As in the fixture's compose.yaml.
const MARIADB_USER_PASSWORD = 'Bb-Secr3t-7f2Q9xKw'
const MARIADB_ROOT_PASSWORD = 'Rt-9vH3kLp0Q2z-root'

/** `mariadb` client arguments for plain, comparable output (tabs, NULL spelled out, no headers). */
const mariadb = (user: string, database: string) => ['mariadb', '--default-character-set=utf8mb4', '-N', '-B', `-u${user}`, ...(database ? [database] : [])]
const MARIADB_DUMP = /(mariadb-dump|mysqldump) --single-transaction/

const MARIADB: DatabaseEngine = {
  kind: 'mysql',
  server: 'MariaDB',
  scheme: 'backup_mysql',
  folder: 'mysql',
  image: TEST_IMAGES.mariadb,
  fixture: fixture('mysql-project'),
  secrets: [MARIADB_USER_PASSWORD, MARIADB_ROOT_PASSWORD],
  appUser: 'shopuser',

  ready: (project) => project.waitForExec('db', [...mariadb('shopuser', 'shop'), '-e', 'SELECT 1'], {env: {MYSQL_PWD: MARIADB_USER_PASSWORD}}),
  appSql: (project, input, database = 'shop') => project.exec('db', mariadb('shopuser', database), {env: {MYSQL_PWD: MARIADB_USER_PASSWORD}, input}),
  adminSql: (project, input, database = 'shop') => project.exec('db', mariadb('root', database), {env: {MYSQL_PWD: MARIADB_ROOT_PASSWORD}, input}),
  serverDatabase: '',
  listDatabases: 'SHOW DATABASES',
  async countCustomersAsAppUser(project) {
    const args = ['mariadb', '-N', '-ushopuser', 'shop', '-e', 'SELECT COUNT(*) FROM customers']
    return (await project.exec('db', args, {env: {MYSQL_PWD: MARIADB_USER_PASSWORD}})).stdout
  },

  schema: `
CREATE TABLE customers (
  id INT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note TEXT NULL,
  balance DECIMAL(10,2) NULL,
  seen DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO customers VALUES
  (1, 'Zoë Ångström', 'Grüße aus Köln, 日本語, emoji 🎉', 12.50, '2024-01-02 03:04:05'),
  (2, 'O''Brien', NULL, NULL, NULL),
  (3, 'back\\\\slash "quotes"', 'line one\\nline two\\ttab', -0.01, '1999-12-31 23:59:59'),
  (4, '', '', 0.00, NULL);
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, customer INT, at DATETIME DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW INSERT INTO audit (customer) VALUES (NEW.id);
CREATE PROCEDURE customer_count() SELECT COUNT(*) FROM customers;
`,
  anotherRow: "INSERT INTO customers VALUES (5, 'Ελληνικά', 'NULL', 99999999.99, '2038-01-19 03:14:07')",
  customersWithAnotherRow: '5',
  snapshot: `SELECT id, name, note, balance, seen FROM customers ORDER BY id;
  SELECT id, customer FROM audit ORDER BY id;
  SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME;
  SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE();
  SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE();`,
  snapshotShows: {texts: ['Zoë Ångström', '🎉', 'NULL'], lines: ['customers_audit', 'customer_count']},
  dropCustomers: 'DROP TABLE customers; DELETE FROM audit',
  freshPrepare: 'CREATE DATABASE restored',
  async startFresh() {
    const name = await startFreshMariadb()
    return {
      name,
      sql: async (input, database) =>
        (await execa('docker', ['exec', '-i', '-e', 'MYSQL_PWD', name, ...mariadb('root', database)], {env: {MYSQL_PWD: FRESH_SERVER_PASSWORD}, input})).stdout,
    }
  },

  appItem: {database: 'db.environment.MYSQL_DATABASE', user: 'db.environment.MYSQL_USER', password: 'db.environment.MYSQL_PASSWORD'},
  passwordChecked: {},
  dumpUserItem: {databases: ['all'], user: 'db.environment.DUMP_USER', password: 'db.environment.MYSQL_ROOT_PASSWORD'},
  dumpUser: 'root',
  allItem: {databases: ['all'], user: 'root', password: 'db.environment.MYSQL_ROOT_PASSWORD'},
  // The application user only has its own database.
  toItem: {database: 'shop', user: 'root', password: 'db.environment.MYSQL_ROOT_PASSWORD'},
  unknownDatabaseItem: {database: 'no_such_db', password: 'db.environment.MYSQL_ROOT_PASSWORD'},

  dumpShows: ['CREATE TABLE `customers`', 'customers_audit', 'customer_count'],
  dumpNever: /CREATE DATABASE|^USE /m,
  trailer: '-- Dump completed',
  trailerAtEnd: /-- Dump completed on [^\n]+$/,
  allDumpShows: [/CREATE DATABASE .*`shop`/, /CREATE DATABASE .*`mysql`/],
  allTrailerAtEnd: /-- Dump completed on [^\n]+$/,

  dumpFailed: /(mariadb-dump|mysqldump) failed \(exit code \d+\)/,
  wrongPassword: (user) => `Access denied for user '${user}'`,
  unknownDatabase: /Unknown database .?no_such_db/,
  // Without comments there is no trailer, and a dump cut short looks complete.
  refusedExtraArg: {arg: '--skip-comments', says: ['--skip-comments', 'trailer']},
  hostileName: "it's a; copy",
  refusedName: {name: 'bad`name', says: 'backtick'},
  allRefusalSays: ['--force'],
  allDamage: [['DROP DATABASE shop', '']],

  longDump: {
    // Big enough that the dump runs for a while and `ps` can watch it.
    prepare: `CREATE TABLE bulk (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(200)) ENGINE=InnoDB;
      INSERT INTO bulk (payload) SELECT REPEAT(MD5(seq), 6) FROM seq_1_to_400000;`,
    hold: async () => async () => {},
    tool: /mariadb-dump|mysqldump/,
    running: MARIADB_DUMP,
    // No lock: the table being dumped takes writes.
    write: "INSERT INTO bulk (payload) VALUES ('written during the dump')",
    args: ['--user=shopuser'],
    execShows: '--single-transaction',
    minBytes: 1_000_000,
    endsWithinMs: 15_000,
  },
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (backup_postgres, a plugin installed with plugins:install)

// As in the fixture's compose.yaml.
const PG_PASSWORD = 'Pg-Secr3t-4vR8mZq2'
const PG_ADMIN = 'shopadmin'

/** psql arguments for plain, comparable output (unaligned, no headers, NULL spelled out). */
const psql = (user: string, database: string) => ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-P', 'null=<NULL>', '-U', user, '-d', database]
const pgSql = (project: ComposeProject, input: string, database = 'shop') => project.exec('db', psql(PG_ADMIN, database), {input})

const POSTGRES: DatabaseEngine = {
  kind: 'postgres',
  server: 'PostgreSQL',
  scheme: 'backup_postgres',
  folder: 'postgres',
  image: TEST_IMAGES.postgres,
  fixture: fixture('postgres-project'),
  plugin: {dir: path.join(REPO_ROOT, 'plugins', 'postgres'), name: '@backupbot/plugin-postgres'},
  secrets: [PG_PASSWORD],
  appUser: PG_ADMIN,

  ready: (project) => project.waitForExec('db', [...psql(PG_ADMIN, 'shop'), '-c', 'SELECT 1']),
  // The application user is the cluster's superuser, as in the official image; over the trusted socket.
  appSql: pgSql,
  adminSql: pgSql,
  serverDatabase: 'postgres',
  listDatabases: 'SELECT datname FROM pg_database ORDER BY 1',
  async countCustomersAsAppUser(project) {
    const args = ['psql', '-X', '-A', '-t', '-h', '127.0.0.1', '-U', PG_ADMIN, '-d', 'shop', '-c', 'SELECT count(*) FROM customers']
    return (await project.exec('db', args, {env: {PGPASSWORD: PG_PASSWORD}})).stdout
  },

  schema: String.raw`
CREATE TABLE customers (
  id integer PRIMARY KEY,
  name text NOT NULL,
  note text,
  balance numeric(10,2),
  seen timestamptz,
  tags text[],
  meta jsonb
);
INSERT INTO customers VALUES
  (1, 'Zoë Ångström', 'Grüße aus Köln, 日本語, emoji 🎉', 12.50, '2024-01-02 03:04:05+00', '{a,b}', '{"k": "v"}'),
  (2, 'O''Brien', NULL, NULL, NULL, NULL, NULL),
  (3, E'back\\slash "quotes"', E'line one\nline two\ttab', -0.01, '1999-12-31 23:59:59+00', '{}', '[]'),
  (4, '', '', 0.00, NULL, '{NULL}', 'null');
CREATE TABLE audit (id serial PRIMARY KEY, customer integer REFERENCES customers (id), at timestamptz DEFAULT now());
CREATE FUNCTION audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit (customer) VALUES (NEW.id); RETURN NEW; END$$;
CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION audit_insert();
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM customers';
CREATE VIEW named AS SELECT id, name FROM customers WHERE name <> '';
INSERT INTO customers (id, name) VALUES (5, 'after the trigger');
-- A table the dump must lock, for a dump that runs for a while, and one that takes writes during it.
CREATE TABLE lockme (id integer);
CREATE TABLE writes (note text);
`,
  anotherRow: `INSERT INTO customers VALUES (6, 'Ελληνικά', 'NULL', 99999999.99, 'infinity', NULL, '{"nested": {"x": [1, null]}}')`,
  customersWithAnotherRow: '6',
  snapshot: `
SELECT id, name, note, balance, seen, tags, meta FROM customers ORDER BY id;
SELECT id, customer FROM audit ORDER BY id;
SELECT last_value FROM audit_id_seq;
SELECT customer_count();
SELECT count(*) FROM named;
SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1;
`,
  snapshotShows: {texts: ['Zoë Ångström', '🎉', '<NULL>'], lines: ['customers_audit']},
  dropCustomers: 'DROP TABLE customers CASCADE; DELETE FROM audit',
  // Roles are cluster-wide and not in a database dump: the owner must exist, as on any restore.
  freshPrepare: `CREATE ROLE ${PG_ADMIN}; CREATE DATABASE restored;`,
  async startFresh() {
    const name = await startFreshPostgres()
    return {name, sql: async (input, database) => (await execa('docker', ['exec', '-i', name, ...psql('postgres', database)], {input})).stdout}
  },

  appItem: {database: 'db.environment.POSTGRES_DB', user: 'db.environment.POSTGRES_USER', password: 'db.environment.POSTGRES_PASSWORD'},
  passwordChecked: {extra_args: ['--host=127.0.0.1']},
  dumpUserItem: {databases: ['all'], user: 'db.environment.DUMP_USER', password: 'db.environment.POSTGRES_PASSWORD', extra_args: ['--host=127.0.0.1']},
  dumpUser: PG_ADMIN,
  allItem: {databases: ['all'], user: PG_ADMIN},
  unknownDatabaseItem: {database: 'no_such_db', user: 'db.environment.POSTGRES_USER'},

  dumpShows: ['CREATE TABLE public.customers', 'customers_audit', 'customer_count'],
  dumpNever: /CREATE DATABASE|^\\connect /m,
  trailer: '-- PostgreSQL database dump complete',
  trailerAtEnd: /\n-- PostgreSQL database dump complete\n--\s*(\\unrestrict \S+\s*)?$/,
  allDumpShows: [/CREATE DATABASE shop /, new RegExp(`CREATE ROLE ${PG_ADMIN}`)],
  allTrailerAtEnd: /\n-- PostgreSQL database cluster dump complete\n--\s*$/,

  dumpFailed: /pg_dump failed \(exit code 1\)/,
  wrongPassword: (user) => `password authentication failed for user "${user}"`,
  unknownDatabase: /database "no_such_db" does not exist/,
  refusedExtraArg: {arg: '--file=/tmp/x.sql', says: ['extra_args[0]: --file is not supported']},
  hostileName: `it's a "copy"; DROP DATABASE shop`,
  // psql would read it as a connection string.
  refusedName: {name: 'dbname=postgres host=elsewhere', says: 'cannot contain "="'},
  allRefusalSays: ['holds databases', 'shop', '--force'],
  allDamage: [
    ['CREATE DATABASE made_after_the_backup', 'postgres'],
    ['DROP TABLE audit CASCADE', 'shop'],
  ],
  allDropsLaterDatabase: 'made_after_the_backup',

  longDump: {
    hold: holdLock,
    tool: /pg_dump(all)? --username=/,
    running: /pg_dump(all)? --username=/,
    write: "INSERT INTO writes VALUES ('written during the dump')",
    args: [`--username=${PG_ADMIN}`, '--host=127.0.0.1'],
    execShows: '--username=',
    minBytes: 0,
    // Once the lock is gone pg_dump writes into the closed exec connection and dies of it.
    endsWithinMs: 20_000,
  },

  ownerQuery: "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'",
  async openSession(project) {
    const session = project.exec('db', psql(PG_ADMIN, 'shop'), {input: 'SELECT pg_sleep(60);', reject: false, env: {PGAPPNAME: 'bbtest-session'}})
    await waitUntil(async () => (await pgSql(project, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bbtest-session'")).stdout === '1', {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the other session',
    })
    return {ended: session}
  },
}

/**
 * Holds an exclusive lock on `lockme` until released: pg_dump waits for it before it writes
 * anything, so the dump keeps running (visible to `ps`) until the test lets it go on.
 */
async function holdLock(project: ComposeProject): Promise<() => Promise<void>> {
  const holder = project.exec('db', psql(PG_ADMIN, 'shop'), {
    env: {PGAPPNAME: 'bbtest-lock'},
    input: 'BEGIN; LOCK TABLE lockme IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;',
    reject: false,
  })
  await waitUntil(
    async () => (await pgSql(project, "SELECT 1 FROM pg_locks WHERE relation = 'lockme'::regclass AND mode = 'AccessExclusiveLock' AND granted")).stdout.trim() === '1',
    {timeoutMs: 10_000, intervalMs: 50, what: 'the lock on lockme'},
  )
  let released = false
  return async function release() {
    if (released) return
    released = true
    await pgSql(project, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'bbtest-lock'")
    await holder
  }
}

export const DATABASE_ENGINES: DatabaseEngine[] = [MARIADB, POSTGRES]
