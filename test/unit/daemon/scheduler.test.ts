// The schedule with real croner timers on an every-second expression: a run per tick, a tick
// during a run skipped with a warning, and a stop that waits for the run that is going.
import {expect} from 'chai'

import {runOnSchedule} from '../../../src/daemon/scheduler.js'
import {recordingLogger} from '../../../src/testing/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const EVERY_SECOND = {cron: '* * * * * *'}

describe('runOnSchedule', function () {
  this.timeout(10_000)

  it('runs the task on every tick and logs when the next run is due', async function () {
    const log = recordingLogger()
    const starts: number[] = []
    const scheduled = runOnSchedule(EVERY_SECOND, async () => void starts.push(Date.now()), log)
    await sleep(2300)
    await scheduled.stop()
    expect(starts.length).to.be.within(2, 3)
    // Whole seconds, one apart.
    for (const start of starts) expect(start % 1000).to.be.below(200)
    const next = log.lines.filter((line) => line.startsWith('info: next run at '))
    expect(next).to.have.length(starts.length + 1)
    expect(next[0]).to.match(/^info: next run at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/)
  })

  it('skips a tick that comes while the previous run is still going, with a warning naming it', async function () {
    const log = recordingLogger()
    let going = 0
    let most = 0
    const starts: number[] = []
    const scheduled = runOnSchedule(
      EVERY_SECOND,
      async () => {
        starts.push(Date.now())
        most = Math.max(most, ++going)
        await sleep(1500)
        going--
      },
      log,
    )
    await sleep(3600)
    await scheduled.stop()
    expect(most, 'never two runs at once').to.equal(1)
    const skipped = log.lines.filter((line) => line.startsWith('warn: previous run still going: skipped the run due at '))
    expect(skipped.length).to.be.at.least(1)
    // The skipped tick is the whole second after the first run's start.
    const due = Date.parse(skipped[0]!.split(' due at ')[1]!)
    expect(due - Math.floor(starts[0]! / 1000) * 1000).to.equal(1000)
    expect(starts.length).to.be.at.least(2)
    expect(starts[1]! - starts[0]!).to.be.at.least(1900)
  })

  it('stops scheduling at once, and stop() resolves only once the run that is going has ended', async function () {
    const log = recordingLogger()
    let ended = 0
    let runs = 0
    const scheduled = runOnSchedule(
      EVERY_SECOND,
      async () => {
        runs++
        await sleep(600)
        ended = Date.now()
      },
      log,
    )
    while (runs === 0) await sleep(20)
    await sleep(100)
    await scheduled.stop()
    const stopped = Date.now()
    expect(ended, 'the run ended before stop() resolved').to.be.above(0).and.at.most(stopped)
    await sleep(1100)
    expect(runs).to.equal(1)
    expect(log.lines.filter((line) => line.startsWith('info: next run at '))).to.have.length(1)
  })
})
