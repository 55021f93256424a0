// PostgreSQL servers outside compose, to restore dumps into: labelled for cleanup, removed by
// removeFreshPostgres() (and by cleanupTestResources otherwise).
import {execa} from 'execa'
import {randomBytes} from 'node:crypto'

import {waitUntil} from './compose.js'
import {TEST_IMAGES, TEST_LABEL} from './engine.js'

const started: string[] = []

/** A new server; resolves once it answers. Its superuser is postgres. */
export async function startFreshPostgres(): Promise<string> {
  const name = `bbtest-pgrestore-${randomBytes(4).toString('hex')}`
  started.push(name)
  await execa('docker', ['run', '-d', '--name', name, '--label', `${TEST_LABEL}=1`, '-e', 'POSTGRES_PASSWORD', TEST_IMAGES.postgres], {
    env: {POSTGRES_PASSWORD: 'fresh-server-pw'},
  })
  await waitUntil(async () => (await execa('docker', ['exec', name, 'psql', '-X', '-U', 'postgres', '-c', 'SELECT 1'], {reject: false})).exitCode === 0, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `${name} to answer`,
  })
  return name
}

export async function removeFreshPostgres(): Promise<void> {
  if (started.length > 0) await execa('docker', ['rm', '-f', '-v', ...started.splice(0)], {reject: false})
}
