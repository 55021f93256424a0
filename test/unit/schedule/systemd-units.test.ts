// The unit files and the crontab line, as text: what systemd and cron read, quoting included.
import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/errors.js'
import {crontabLine} from '../../../src/schedule/crontab-line.js'
import {execArgument, systemdUnits, unitsText} from '../../../src/schedule/systemd-units.js'
import {writeUnits} from '../../../src/schedule/write-units.js'

const COMMAND = ['/usr/bin/node', '/opt/backupbot/bin/run.js', 'backup', '--config', 'backupbot.yaml', '--keep-daily', '7']

describe('systemdUnits', function () {
  const [service, timer] = systemdUnits({
    name: 'backupbot',
    command: COMMAND,
    workingDirectory: '/srv/app',
    onCalendar: '*-*-* 03:00:00',
    scheduleText: '0 3 * * *',
  })

  it('has a oneshot service that runs backup in the project folder, giving it time to start containers again on stop', function () {
    expect(service.file).to.equal('backupbot.service')
    expect(service.text).to.equal(`[Unit]
Description=backupbot: back up the compose project in /srv/app
Wants=network-online.target
After=network-online.target docker.service

[Service]
Type=oneshot
WorkingDirectory=/srv/app
ExecStart=/usr/bin/node /opt/backupbot/bin/run.js backup --config backupbot.yaml --keep-daily 7
KillMode=mixed
TimeoutStopSec=15min
`)
  })

  it('has a persistent timer on the calendar, enabled by timers.target', function () {
    expect(timer.file).to.equal('backupbot.timer')
    expect(timer.text).to.equal(`[Unit]
Description=Run backupbot.service on a schedule (0 3 * * *)

[Timer]
OnCalendar=*-*-* 03:00:00
Persistent=true

[Install]
WantedBy=timers.target
`)
  })

  it('adds RandomizedDelaySec= only when asked, and names the units after --name', function () {
    const [, delayed] = systemdUnits({name: 'bb-nextcloud', command: COMMAND, workingDirectory: '/srv', onCalendar: 'daily', scheduleText: 'daily', randomizedDelaySeconds: 600})
    expect(delayed.file).to.equal('bb-nextcloud.timer')
    expect(delayed.text).to.contain('Description=Run bb-nextcloud.service on a schedule (daily)\n').and.contain('\nRandomizedDelaySec=600\n')
  })

  it('prints both under a comment line naming the file each belongs in', function () {
    const text = unitsText([service, timer])
    expect(text.split('\n').filter((line) => line.startsWith('# '))).to.deep.equal(['# /etc/systemd/system/backupbot.service', '# /etc/systemd/system/backupbot.timer'])
    expect(text).to.contain(`\n\n# /etc/systemd/system/backupbot.timer\n${timer.text}`)
  })

  it('quotes ExecStart= words with spaces or quotes, and doubles % and $ that systemd would expand', function () {
    expect(execArgument('/srv/my backups')).to.equal('"/srv/my backups"')
    expect(execArgument('say "hi"\\')).to.equal('"say \\"hi\\"\\\\"')
    expect(execArgument('100%')).to.equal('100%%')
    expect(execArgument('$HOME')).to.equal('"$$HOME"')
  })

  it('passes systemd-analyze verify, which reads the ExecStart= words back as they were given', async function () {
    // The program must exist for verify: this Node.js.
    const words = [process.execPath, '/srv/my app/run.js', 'backup', '--target', '/srv/100%', '-c', `it's "q".yaml`, '$HOME', 'a\\b']
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-units-'))
    try {
      const units = systemdUnits({name: 'bbtest', command: words, workingDirectory: dir, onCalendar: '*-*-* 03:00:00', scheduleText: '0 3 * * *', randomizedDelaySeconds: 60})
      await writeUnits(dir, units)
      const files = units.map((unit) => path.join(dir, unit.file))
      // Exit 0 and not a word on stderr: every setting parsed.
      const verified = spawnSync('systemd-analyze', ['verify', ...files], {encoding: 'utf8'})
      expect(verified.status, verified.stderr).to.equal(0)
      expect(verified.stderr).to.equal('')
      // Its debug dump shows the service's command line as systemd parsed it (quoted again).
      const dump = spawnSync('systemd-analyze', ['verify', files[0]!], {encoding: 'utf8', env: {...process.env, SYSTEMD_LOG_LEVEL: 'debug'}})
      const line = /Command Line: (.*)/.exec(dump.stdout)?.[1]
      expect(line, dump.stdout).to.be.a('string')
      // $$ becomes $ only when the command runs (environment expansion).
      expect(shellWords(line!).map((word) => word.replaceAll('$$', '$'))).to.deep.equal(words)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('writes both files into --unit-dir under temporary names first, leaving only the two', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bb-units-'))
    try {
      await writeFile(path.join(dir, 'backupbot.timer'), 'old\n')
      const written = await writeUnits(dir, [service, timer])
      expect(written).to.deep.equal([path.join(dir, 'backupbot.service'), path.join(dir, 'backupbot.timer')])
      expect((await readdir(dir)).sort()).to.deep.equal(['backupbot.service', 'backupbot.timer'])
      expect(await readFile(path.join(dir, 'backupbot.timer'), 'utf8')).to.equal(timer.text)
      let error: unknown
      await writeUnits(path.join(dir, 'missing'), [service]).catch((caught) => (error = caught))
      expect(error).to.be.instanceOf(UsageError).with.property('message').that.contains('is not a directory')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

/** Words of a line quoted the C way (what systemd prints): "..." with backslash escapes. */
function shellWords(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] === undefined ? m[2]! : m[1].replaceAll(/\\(.)/g, '$1')))
}

describe('crontabLine', function () {
  it('changes into the project folder, runs backup and appends its output to the log', function () {
    expect(crontabLine({cron: '0 3 * * *', command: COMMAND, workingDirectory: '/srv/app', logFile: '/var/log/backupbot.log'})).to.equal(
      '0 3 * * * cd /srv/app && /usr/bin/node /opt/backupbot/bin/run.js backup --config backupbot.yaml --keep-daily 7 >> /var/log/backupbot.log 2>&1\n',
    )
  })

  it('quotes words for the shell and escapes %, which cron turns into a newline', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bb cron '))
    try {
      const log = path.join(dir, 'run log')
      const line = crontabLine({cron: '@daily', command: ['printf', '[%s]', "it's here", '50%'], workingDirectory: dir, logFile: log})
      expect(line).to.equal(`@daily cd '${dir}' && printf '[\\%s]' 'it'\\''s here' 50\\% >> '${log}' 2>&1\n`)
      // As cron runs it: \% back to %, the rest of the line to /bin/sh.
      execFileSync('/bin/sh', ['-c', line.slice('@daily '.length).replaceAll('\\%', '%')])
      expect(await readFile(log, 'utf8')).to.equal("[it's here][50%]")
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('refuses six fields: crontab has no seconds', function () {
    expect(() => crontabLine({cron: '*/2 * * * * *', command: COMMAND, workingDirectory: '/srv', logFile: '/tmp/log'})).to.throw(UsageError, 'crontab takes five fields')
  })
})
