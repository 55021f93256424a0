// The error path as scripts see it, for every command: without --json the message (and its
// hints) on stderr and nothing on stdout; with --json one {error: {name, message, exitCode,
// suggestions}} document on stdout, the message not on stderr, and the same exit code.
import {expect} from 'chai'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {backedUpProject, type CommandOutcome, expectJsonError, lockTarget, sandbox, type Sandbox} from '../support/run-command.js'

interface ErrorCase {
  what: string
  args: string[]
  exitCode: number
  name: string
  /** Prepares the compose project (a backed-up bind-project); returns the cwd. */
  setup?: (sb: Sandbox, dir: string) => Promise<string | void>
}

const badConfig = (config: unknown) => async (_sb: Sandbox, dir: string) => {
  await writeFile(path.join(dir, 'backupbot.json'), JSON.stringify(config))
}

const cases: ErrorCase[] = [
  {what: 'backup with an unknown option in the scheme config', args: ['backup'], exitCode: 2, name: 'ConfigError', setup: badConfig({app: [{type: 'backup_host_directories', bogus: 1}]})},
  {what: 'backup with a scheme type that is not installed', args: ['backup'], exitCode: 2, name: 'ConfigError', setup: badConfig({app: [{type: 'backup_postgres', database: 'x'}]})},
  {what: 'backup with a config that has several problems', args: ['backup'], exitCode: 2, name: 'UsageError', setup: badConfig({app: [{type: 'backup_host_directories', bogus: 1}, {type: 'backup_postgres'}]})},
  {what: 'backup without a compose file', args: ['backup'], exitCode: 2, name: 'UsageError', setup: async (sb) => sb.dir},
  {what: 'backup of an unknown service', args: ['backup', 'nosuchservice'], exitCode: 2, name: 'UsageError'},
  {what: 'backup with a --keep below 1', args: ['backup', '--keep', '0'], exitCode: 2, name: 'Error'},
  {what: 'backup while the target is locked', args: ['backup'], exitCode: 3, name: 'LockedError', setup: async (_sb, dir) => void (await lockTarget(path.join(dir, 'backups')))},
  {what: 'restore while the target is locked', args: ['restore', 'app', '--force'], exitCode: 3, name: 'LockedError', setup: async (_sb, dir) => void (await lockTarget(path.join(dir, 'backups')))},
  {what: 'restore of an unknown item', args: ['restore', 'app', 'nosuchitem'], exitCode: 2, name: 'UsageError'},
  {what: 'restore without its service argument', args: ['restore'], exitCode: 2, name: 'Error'},
  {what: 'inspect without a compose file', args: ['inspect'], exitCode: 2, name: 'UsageError', setup: async (sb) => sb.dir},
  {what: 'verify with both --all and --version', args: ['verify', '--all', '--version', '1'], exitCode: 2, name: 'Error'},
  ...['backup', 'inspect', 'list-versions', 'recover', 'restore app', 'schemes', 'verify'].map((command) => ({
    what: `${command} with an unknown option`,
    args: [...command.split(' '), '--no-such-option'],
    exitCode: 2,
    name: 'Error',
  })),
]

/** What a run without --json said: the message the command printed, or the one oclif would print. */
function plainMessage(outcome: CommandOutcome): string {
  return outcome.error ? outcome.error.message : outcome.stderr
}

describe('errors of every command, with and without --json', function () {
  let sb: Sandbox
  let dir: string

  beforeEach(async function () {
    sb = await sandbox()
    dir = await backedUpProject(sb)
  })

  afterEach(async function () {
    await sb.remove()
  })

  for (const c of cases) {
    it(`exits ${c.exitCode} for ${c.what}, and prints the same error as JSON on stdout under --json`, async function () {
      const cwd = (await c.setup?.(sb, dir)) ?? dir
      const plain = await sb.run(c.args, cwd)
      expect(plain.exitCode, plain.stderr).to.equal(c.exitCode)
      expect(plain.stdout).to.equal('')

      const json = await sb.run([...c.args, '--json'], cwd)
      const error = expectJsonError(json, c.exitCode)
      expect(error.name).to.equal(c.name)
      if (plain.error) {
        // A flag or argument error: oclif prints it (bin/run.js); the JSON holds the same message.
        expect(error.message).to.equal(plain.error.message)
      } else {
        const printed = `backupbot: ${error.message}\n${error.suggestions.map((s) => `  hint: ${s}\n`).join('')}`
        expect(plain.stderr.endsWith(printed), `stderr:\n${plain.stderr}\nexpected to end with:\n${printed}`).to.equal(true)
      }
      expect(plainMessage(plain)).to.contain(error.message.split('\n')[0])
      expect(json.stderr).not.to.contain(error.message.split('\n')[0])
    })
  }

  it('gives the plugin to install as a suggestion in the JSON error', async function () {
    await badConfig({app: [{type: 'backup_postgres', database: 'x'}]})(sb, dir)
    const error = expectJsonError(await sb.run(['backup', '--json'], dir), 2)
    expect(error.message).to.equal(
      'backupbot.json: app[0].type: no installed plugin provides the scheme type "backup_postgres" (installed: backup_host_directories, backup_mysql, backup_volume)',
    )
    expect(error.suggestions).to.deep.equal(['install the plugin that provides it: backupbot plugins:install @backupbot/plugin-postgres'])
  })

  // oclif reads `recover web` as the command id recover:web (topicSeparator ' '): "command
  // recover:web not found" comes before any backupbot command, whose catch() prints the JSON.
  for (const command of ['recover', 'schemes']) {
    it(`prints the error as JSON when ${command}, which takes no argument, gets one`, async function () {
      const plain = await sb.run([command, 'extra'], dir)
      expect(plain.exitCode).to.equal(2)
      expectJsonError(await sb.run([command, 'extra', '--json'], dir), 2)
    })
  }

  it('does not let the exit code of a failed run leak into the next one', async function () {
    expect((await sb.run(['backup', 'nosuchservice'], dir)).exitCode).to.equal(2)
    expect((await sb.run(['list-versions'], dir)).exitCode).to.equal(0)
    expect(process.exitCode).to.equal(undefined)
  })
})
