// A password that a key reference takes from a service's env_file is resolved from the compose
// files alone (no engine here: DOCKER_HOST names a socket that does not exist) and, like any
// resolved secret, never printed.
import {expect} from 'chai'

import {type Sandbox, useSandbox} from '../support/run-command.js'

const PASSWORD = 'EnvF-7kQ2-s3cr3t-Pw'
const COMPOSE = `services:
  db:
    image: local/mariadb:test
    env_file: secrets.env
`

describe('a password from an env_file', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('resolves without the engine and is not printed, whether the run plans or fails', async function () {
    const config = JSON.stringify({db: [{type: 'backup_mysql', database: 'shop', user: 'root', password: 'db.environment.DB_ROOT_PASSWORD'}]})
    const dir = await sb.project('mysql-project', {'compose.yaml': COMPOSE, 'secrets.env': `DB_ROOT_PASSWORD=${PASSWORD}\n`, 'backupbot.json': config})
    const planned = await sb.run(['backup', '--dry-run', '--json', '--verbose'], dir)
    expect(planned.exitCode, planned.stderr).to.equal(0)
    expect(JSON.parse(planned.stdout).items[0]).to.include({scheme: 'backup_mysql', item: 'shop'})
    const failed = await sb.run(['backup', '--verbose'], dir)
    expect(failed.exitCode).to.equal(1)
    expect(failed.stderr).to.contain('db: mysql/shop failed')
    for (const outcome of [planned, failed]) expect(outcome.stdout + outcome.stderr).not.to.contain(PASSWORD)
  })
})
