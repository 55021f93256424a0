// Database servers outside compose, to restore dumps into: labelled for cleanup, removed by
// removeFreshServers() (and by cleanupTestResources otherwise).
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'

import {waitUntil} from './compose.js'
import {TEST_IMAGES, TEST_LABEL} from './engine.js'

/** The superuser's password on every fresh server (root on MariaDB; postgres trusts the socket). */
export const FRESH_SERVER_PASSWORD = 'fresh-server-pw'

const started: string[] = []

/** Runs `image` with the password in `passwordVariable`; resolves with its name once `probe` exits 0 in it. */
async function startFreshServer(prefix: string, image: string, passwordVariable: string, probe: string[], probeEnv: Record<string, string> = {}): Promise<string> {
  const name = `bbtest-${prefix}-${randomBytes(4).toString('hex')}`
  started.push(name)
  await execa('docker', ['run', '-d', '--name', name, '--label', `${TEST_LABEL}=1`, '-e', passwordVariable, image], {
    env: {[passwordVariable]: FRESH_SERVER_PASSWORD},
  })
  const probeArgs = Object.keys(probeEnv).flatMap((key) => ['-e', key])
  await waitUntil(async () => (await execa('docker', ['exec', ...probeArgs, name, ...probe], {env: probeEnv, reject: false})).exitCode === 0, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `${name} to answer`,
  })
  return name
}

/** A new PostgreSQL server; resolves once it answers. Its superuser is postgres. */
export function startFreshPostgres(): Promise<string> {
  return startFreshServer('pgrestore', TEST_IMAGES.postgres, 'POSTGRES_PASSWORD', ['psql', '-X', '-U', 'postgres', '-c', 'SELECT 1'])
}

/** A new MariaDB server; resolves once it answers. Its superuser is root, with FRESH_SERVER_PASSWORD. */
export function startFreshMariadb(): Promise<string> {
  return startFreshServer('mariadbrestore', TEST_IMAGES.mariadb, 'MYSQL_ROOT_PASSWORD', ['mariadb', '-uroot', '-e', 'SELECT 1'], {MYSQL_PWD: FRESH_SERVER_PASSWORD})
}

/** Removes the fresh servers named, or every one started so far. */
export async function removeFreshServers(names: string[] = started): Promise<void> {
  const removing = started.filter((name) => names.includes(name))
  started.splice(0, started.length, ...started.filter((name) => !removing.includes(name)))
  if (removing.length > 0) await execa('docker', ['rm', '-f', '-v', ...removing], {reject: false})
}
