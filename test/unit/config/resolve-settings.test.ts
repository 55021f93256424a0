// A flag given (or its environment variable) wins over the settings file, which wins over the
// default: for every setting backup has a flag for; hooks, notify and metrics come from the file.
import {expect} from 'chai'

import {resolveRunSettings} from '../../../src/config/settings/resolve.js'
import type {Settings} from '../../../src/config/settings/types.js'

const file: Settings = {
  targets: ['/srv/backups', 'restic:/srv/restic'],
  retention: {keep: 3, keep_hourly: 24, keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_yearly: 2, keep_within: '1y', prune: true},
  compression: 'zstd',
  spool_dir: '/var/tmp',
  spool: false,
  hooks: {before: [{run: ['true']}]},
  notify: {healthchecks: 'https://hc-ping.com/x'},
  metrics_file: '/var/lib/backupbot.prom',
  schedule: {cron: '0 3 * * *'},
}

describe('resolving the run settings', function () {
  it('uses the defaults without flags or a settings file', function () {
    expect(resolveRunSettings({})).to.deep.equal({
      targets: ['./backups'],
      retention: undefined,
      prune: false,
      compression: 'gzip',
      spoolDir: undefined,
      spool: true,
      hooks: undefined,
      notify: undefined,
      metricsFile: undefined,
    })
  })

  it('takes every setting from the file when no flag is given', function () {
    expect(resolveRunSettings({}, file)).to.deep.equal({
      targets: ['/srv/backups', 'restic:/srv/restic'],
      retention: {last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2, within: '1y'},
      prune: true,
      compression: 'zstd',
      spoolDir: '/var/tmp',
      spool: false,
      hooks: file.hooks,
      notify: file.notify,
      metricsFile: '/var/lib/backupbot.prom',
    })
  })

  it('lets each given flag win over the file', function () {
    const resolved = resolveRunSettings({targets: ['./elsewhere'], retention: {daily: 2}, prune: true, compression: 'none', spool: false}, {...file, retention: {keep: 9}, spool: true})
    expect(resolved).to.include({prune: true, compression: 'none', spool: false})
    expect(resolved.targets).to.deep.equal(['./elsewhere'])
    expect(resolved.retention).to.deep.equal({daily: 2})
  })

  it('replaces the file\'s targets with the given ones, never adds to them', function () {
    expect(resolveRunSettings({targets: ['/mnt/usb']}, file).targets).to.deep.equal(['/mnt/usb'])
  })

  it('replaces the file\'s whole retention policy with the flags\' one, and keeps its prune unless --prune is given', function () {
    const resolved = resolveRunSettings({retention: {last: 1}}, file)
    expect(resolved.retention).to.deep.equal({last: 1})
    expect(resolved.prune).to.equal(true)
    expect(resolveRunSettings({prune: true}, {retention: {keep: 2}})).to.deep.include({retention: {last: 2}, prune: true})
  })

  it('keeps every version when the file\'s retention has only prune', function () {
    expect(resolveRunSettings({}, {retention: {prune: true}})).to.deep.include({retention: undefined, prune: true})
  })

  it('takes a given --spool-dir as asking for the spool, whatever the file says', function () {
    expect(resolveRunSettings({spoolDir: '/scratch'}, file)).to.include({spoolDir: '/scratch', spool: true})
    expect(resolveRunSettings({spool: false}, {spool_dir: '/var/tmp'})).to.include({spoolDir: '/var/tmp', spool: false})
  })
})
