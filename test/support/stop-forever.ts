// Child process for restart-journal.test.ts: stops one container through DockerOps.withStopped
// with a work that never ends, prints "stopped <name>", and waits to be killed or signalled.
// Without a mode it installs no signal handler of its own: what happens on SIGTERM is then
// src/docker/'s doing. `cli-like` handles SIGTERM as `backupbot backup` does: abort, exit 130.
// Usage: node --import tsx stop-forever.ts <journalDir> <project> <containerId> [slow-restart|cli-like]
import {connectEngine} from '../../src/docker/engine.js'
import {createDockerOps} from '../../src/docker/ops.js'
import {RestartJournal} from '../../src/run/restart-journal.js'

const [journalDir, project, containerId, mode] = process.argv.slice(2)
const journal = new RestartJournal(journalDir)
// slow-restart: each journal removal (after a start) takes a while, so a signal can arrive mid-restart.
const slow = mode === 'slow-restart'
const stopJournal = {
  record: journal.record.bind(journal),
  remove: async (id: string) => {
    if (slow) await new Promise((resolve) => setTimeout(resolve, 2000))
    await journal.remove(id)
  },
}
const log = {
  info: (m: string) => process.stderr.write(`${m}\n`),
  warn: (m: string) => process.stderr.write(`warning: ${m}\n`),
  debug: () => {},
}
const interrupt = new AbortController()
if (mode === 'cli-like') process.on('SIGTERM', () => interrupt.abort(new Error('interrupted')))
const engine = connectEngine()
const ops = createDockerOps({engine, project, journal: stopJournal, log, signal: interrupt.signal})
const [ref] = (await ops.containers.ofService('app')).filter((c) => c.id === containerId)
if (!ref) throw new Error(`container ${containerId} is not a running app container of ${project}`)
setInterval(() => {}, 1000) // stay alive: only a signal (or SIGKILL) ends this process
await ops
  .containers.withStopped([ref], async () => {
    process.stdout.write(`stopped ${ref.name}\n`)
    await new Promise(() => {})
  })
  .catch((error: Error) => process.stderr.write(`withStopped: ${error.message}\n`))
process.stdout.write('withStopped returned\n')
if (mode === 'cli-like') process.exit(130)
