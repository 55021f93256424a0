// A database password written literally in the scheme config must never be printed: not on
// stdout, not on stderr, not with --json, --verbose or when the run fails (README: "masked
// (***) in every log, error and --json output"). The Docker engine is unreachable here
// (DOCKER_HOST names a socket that does not exist), which makes a real dump fail fast.
import {expect} from 'chai'

import {type CommandOutcome, type Sandbox, useSandbox} from '../support/run-command.js'

const PASSWORD = 'Lit-9qZ-s3cr3t-Pw'

/** Neither the password nor any 8 characters of it, anywhere the run printed or threw. */
function expectNoPassword(outcome: CommandOutcome): void {
  const printed = {stdout: outcome.stdout, stderr: outcome.stderr, error: outcome.error?.message ?? ''}
  for (let start = 0; start + 8 <= PASSWORD.length; start++) {
    const piece = PASSWORD.slice(start, start + 8)
    for (const [where, text] of Object.entries(printed)) {
      expect(text.includes(piece), `${where} shows "${piece}" of the password:\n${text}`).to.equal(false)
    }
  }
}

const mysqlEntry = {type: 'backup_mysql', database: 'shop', user: 'root', password: PASSWORD}

describe('a literal database password in the scheme config', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  const project = (config: string, file = 'backupbot.json') => sb.project('mysql-project', {[file]: config})

  /** Runs `args` plain, with --json, and with --json --verbose; each must exit `exitCode` without showing the password. */
  async function expectMasked(args: string[], cwd: string, exitCode: number): Promise<CommandOutcome[]> {
    const outcomes = []
    for (const extra of [[], ['--verbose'], ['--json'], ['--json', '--verbose']]) {
      const outcome = await sb.run([...args, ...extra], cwd)
      expect(outcome.exitCode, `${[...args, ...extra].join(' ')}: ${outcome.stderr}`).to.equal(exitCode)
      expectNoPassword(outcome)
      outcomes.push(outcome)
    }
    return outcomes
  }

  it('is not printed by backup --dry-run', async function () {
    const dir = await project(JSON.stringify({db: [mysqlEntry]}))
    const [plain, , json] = await expectMasked(['backup', '--dry-run'], dir, 0)
    expect(plain.stdout).to.contain('database shop of service db (as root)')
    expect(JSON.parse(json.stdout).items[0]).to.include({scheme: 'backup_mysql', item: 'shop'})
  })

  it('is not printed when the dump fails because the engine cannot be reached', async function () {
    const dir = await project(JSON.stringify({db: [mysqlEntry]}))
    const [plain, , json] = await expectMasked(['backup'], dir, 1)
    expect(plain.stderr).to.contain('warning: db: mysql/shop failed: connect ENOENT')
    expect(JSON.parse(json.stdout).items[0]).to.include({item: 'shop', status: 'failed'})
  })

  it('is not printed when a restore of the database fails', async function () {
    const dir = await project(JSON.stringify({db: [mysqlEntry]}))
    const [plain] = await expectMasked(['restore', 'db', 'shop', '--force'], dir, 1)
    expect(plain.stdout).to.contain('no version 1 of mysql/shop')
    await expectMasked(['restore', 'db', 'shop', '--dry-run'], dir, 1)
  })

  it('is not printed when a later entry of the config is refused, also not in the --verbose stack trace', async function () {
    const config = {db: [mysqlEntry, {type: 'backup_host_directories', directories: ['./nowhere']}]}
    const dir = await project(JSON.stringify(config))
    const [plain, verbose] = await expectMasked(['backup'], dir, 2)
    expect(plain.stderr).to.contain('backupbot: backupbot.json: db[1]: ')
    expect(verbose.stderr, 'the --verbose run prints the stack').to.match(/\n {4}at /)
  })

  it('is not printed when it is also given in extra_args, which is refused', async function () {
    const dir = await project(JSON.stringify({db: [{...mysqlEntry, extra_args: [`--password=${PASSWORD}`]}]}))
    const [plain] = await expectMasked(['backup'], dir, 2)
    expect(plain.stderr).to.contain('extra_args[0]: --password would put the password on a command line')
  })

  it('is not printed when YAML reads it as a number, which the config check refuses', async function () {
    const dir = await project('db:\n  - type: backup_mysql\n    database: shop\n    password: 900150983\n', 'backupbot.yaml')
    for (const extra of [[], ['--json']]) {
      const outcome = await sb.run(['backup', ...extra], dir)
      expect(outcome.exitCode).to.equal(2)
      expect(outcome.stdout + outcome.stderr).to.contain('backupbot.yaml: db[0].password: must be a string')
      expect(outcome.stdout + outcome.stderr).not.to.contain('900150983')
    }
  })

  // A config that does not parse is reported with the parser's message, which quotes the file:
  // js-yaml shows the lines around the error, V8's JSON.parse the characters around it.
  it('is not printed when the YAML config around it does not parse', async function () {
    const dir = await project(`db:\n  - type: backup_mysql\n    database: shop\n    password: ${PASSWORD}\n   user: root\n`, 'backupbot.yaml')
    const [plain] = await expectMasked(['backup'], dir, 2)
    expect(plain.stderr).to.contain('backupbot: backupbot.yaml: not valid YAML or JSON: bad indentation')
  })

  it('is not printed when the JSON config around it does not parse', async function () {
    const dir = await project(`{"db": [{"type": "backup_mysql", "database": "shop", "password": '${PASSWORD}'}]}`)
    const [plain] = await expectMasked(['backup'], dir, 2)
    expect(plain.stderr).to.contain('backupbot: backupbot.json: not valid JSON: ')
  })
})
