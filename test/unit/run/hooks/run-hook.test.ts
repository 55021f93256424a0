// Host hooks as real processes: argv without a shell, a shell line, the working directory and
// environment, output line by line, exit codes, a missing program, the timeout and the interrupt.
import {expect} from 'chai'
import {readFile, realpath} from 'node:fs/promises'

import type {HostHook} from '../../../../src/config/settings/types.js'
import {runHostHook} from '../../../../src/run/hooks/run-hook.js'
import type {HookCall} from '../../../../src/run/hooks/runner.js'
import {useTempDir} from '../../../support/run-fakes.js'

/** Whether the process runs, after a moment for a killed one to go (a zombie counts as gone). */
async function running(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
    if (stat === '' || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}

describe('runHostHook', function () {
  const dir = useTempDir('backupbot-hook-')

  function call(hook: HostHook, extra: Partial<HookCall> = {}): HookCall & {lines: string[]} {
    const lines: string[] = []
    return {hook, project: 'shop', directory: dir(), env: {BACKUPBOT_HOOK: 'before', BACKUPBOT_PROJECT: 'shop'}, onLine: (line) => lines.push(line), lines, ...extra}
  }

  async function failure(promise: Promise<void>): Promise<string> {
    try {
      await promise
    } catch (error) {
      return (error as Error).message
    }
    throw new Error('the hook did not fail')
  }

  it('runs an argv list without a shell: metacharacters reach the program as they are', async function () {
    const c = call({run: ['printf', '%s\\n', 'a b; echo $HOME', 'second']})
    await runHostHook(c)
    expect(c.lines).to.deep.equal(['a b; echo $HOME', 'second'])
  })

  it('runs a shell line in the project directory with the process environment and BACKUPBOT_* variables, stdout and stderr both read', async function () {
    process.env.BACKUPBOT_TEST_INHERITED = 'yes'
    try {
      const c = call({shell: 'pwd; echo "$BACKUPBOT_HOOK $BACKUPBOT_PROJECT $BACKUPBOT_TEST_INHERITED"; echo to-stderr >&2'})
      await runHostHook(c)
      expect(c.lines).to.have.members([await realpath(dir()), 'before shop yes', 'to-stderr'])
    } finally {
      delete process.env.BACKUPBOT_TEST_INHERITED
    }
  })

  it('fails with the exit code and the last lines of stderr', async function () {
    const message = await failure(runHostHook(call({shell: 'echo starting; echo "maintenance mode is stuck" >&2; exit 4'})))
    expect(message).to.equal('exited with code 4: maintenance mode is stuck')
  })

  it('fails with a clear message when the program does not exist', async function () {
    const message = await failure(runHostHook(call({run: ['backupbot-no-such-program']})))
    expect(message).to.match(/^cannot be started: .*ENOENT/)
  })

  it('stops a hook at its timeout, what it started included, and says so', async function () {
    const started = Date.now()
    // The shell waits for its child: SIGTERM to the shell alone would leave `sleep` running.
    const c = call({shell: 'sleep 30 & echo $!; wait; echo never', timeout: 1})
    const message = await failure(runHostHook(c))
    expect(message).to.equal('timed out after 1 s: stopped (SIGTERM, SIGKILL after 5 s)')
    expect(Date.now() - started).to.be.within(900, 4000)
    expect(await running(Number(c.lines[0]))).to.equal(false)
  })

  it('stops a hook when its signal aborts (an interrupt during a before hook)', async function () {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const message = await failure(runHostHook(call({run: ['sleep', '30']}, {signal: controller.signal})))
    expect(message).to.match(/^interrupted: stopped/)
  })
})
