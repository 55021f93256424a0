import {expect} from 'chai'
import {spawnSync} from 'node:child_process'

import {policyFlags, staleData} from '../src/forget.js'
import {data, ITEM, manifest} from './fixtures.js'

/** A process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!

describe('restic store: retention', function () {
  describe('policyFlags', function () {
    it('gives restic forget one flag per rule, in restic’s terms', function () {
      expect(policyFlags({last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2, within: '1y5m7d2h'})).to.deep.equal([
        '--keep-last', '3', '--keep-hourly', '24', '--keep-daily', '7', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-yearly', '2',
        '--keep-within', '1y5m7d2h',
      ])
      expect(policyFlags({daily: 7})).to.deep.equal(['--keep-daily', '7'])
      expect(policyFlags({within: '2d'})).to.deep.equal(['--keep-within', '2d'])
    })

    it('is empty when the policy keeps everything: no rule, or rules turned off with 0', function () {
      expect(policyFlags({})).to.deep.equal([])
      expect(policyFlags({last: 0, daily: 0, within: ''})).to.deep.equal([])
      expect(policyFlags({last: 0, weekly: 2})).to.deep.equal(['--keep-weekly', '2'])
    })
  })

  describe('staleData', function () {
    const t = '2024-05-01T10:00:00Z'

    it('forgets the data of the versions retention removed', function () {
      const old = [data(ITEM, 'w1', t, {pid: deadPid()}), manifest(ITEM, 'w1', t)]
      const kept = [data(ITEM, 'w2', t, {pid: process.pid}), manifest(ITEM, 'w2', t)]
      expect(staleData([...old, ...kept], [old[1]!])).to.deep.equal([old[0]!.id])
      expect(staleData([...old, ...kept], [])).to.deep.equal([])
    })

    it('forgets the data of a removed version even when a live process now has its writer’s pid', function () {
      // pids are reused: the writer of a version retention removes is long gone.
      const old = [data(ITEM, 'w1', t, {pid: process.ppid}), manifest(ITEM, 'w1', t)]
      expect(staleData(old, [old[1]!])).to.deep.equal([old[0]!.id])
    })

    it('forgets interrupted writes of a process that is gone, of this process, or of no known process', function () {
      const dead = data(ITEM, 'w1', t, {pid: deadPid()})
      const own = data(ITEM, 'w2', t, {pid: process.pid})
      const unknown = data(ITEM, 'w3', t)
      expect(staleData([dead, own, unknown], [])).to.deep.equal([dead.id, own.id, unknown.id])
    })

    it('leaves alone an interrupted write whose process still runs (another backup, on its way to its manifest)', function () {
      const running = data(ITEM, 'w1', t, {pid: process.ppid})
      expect(staleData([running], [])).to.deep.equal([])
      expect(staleData([running, manifest(ITEM, 'w9', t)], [])).to.deep.equal([])
    })
  })
})
