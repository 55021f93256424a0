// The arguments the daemon and the schedule commands pass on to backup: split at `--`, and the
// config file named among them (whose $settings.schedule the daemon falls back to).
import {expect} from 'chai'

import {configOption, splitAtDashDash} from '../../../src/cli/backup-command-line.js'

describe('backup arguments after --', function () {
  it('splits at the first --', function () {
    expect(splitAtDashDash(['--cron', '@daily', '--', '-c', 'a.yaml', '--', 'db'])).to.deep.equal({own: ['--cron', '@daily'], backupArgs: ['-c', 'a.yaml', '--', 'db']})
    expect(splitAtDashDash(['--cron', '@daily'])).to.deep.equal({own: ['--cron', '@daily'], backupArgs: []})
  })

  it('finds the config file in every form backup takes, the last one winning, and none after a --', function () {
    expect(configOption(['--config', 'a.yaml'])).to.equal('a.yaml')
    expect(configOption(['--config=b.yaml', '-t', 'x'])).to.equal('b.yaml')
    expect(configOption(['-c', 'c.yaml'])).to.equal('c.yaml')
    expect(configOption(['-cd.yaml'])).to.equal('d.yaml')
    expect(configOption(['-c', 'a.yaml', '--config', 'e.yaml'])).to.equal('e.yaml')
    expect(configOption(['--target', 'x', 'db'])).to.equal(undefined)
    expect(configOption(['--', '--config', 'f.yaml'])).to.equal(undefined)
  })
})
