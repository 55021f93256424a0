// `backupbot schedule systemd|cron` and `backupbot daemon`'s refusals, as a script sees them:
// units or a crontab line on stdout, errors on stderr with exit 2.
import {expect} from 'chai'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {REPO_ROOT} from '../support/cli.js'
import {type Sandbox, useSandbox} from '../support/run-command.js'

const BIN = `${process.execPath} ${path.join(REPO_ROOT, 'bin', 'run.js')}`

describe('backupbot schedule systemd', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('prints the service and the timer for a cron expression, running backup with the arguments after -- in the current folder', async function () {
    const outcome = await sb.run(['schedule', 'systemd', '--cron', '@daily', '--timezone', 'Europe/Berlin', '--', '--config', 'backupbot.yaml', '-t', '/srv/backups'], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stderr).to.equal('')
    expect(outcome.stdout).to.contain('# /etc/systemd/system/backupbot.service\n[Unit]\n')
    expect(outcome.stdout).to.contain(`\nWorkingDirectory=${sb.dir}\nExecStart=${BIN} backup --config backupbot.yaml -t /srv/backups\n`)
    expect(outcome.stdout).to.contain('\n\n# /etc/systemd/system/backupbot.timer\n[Unit]\n')
    expect(outcome.stdout).to.contain('\nOnCalendar=*-*-* 00:00:00 Europe/Berlin\nPersistent=true\n')
  })

  it('takes --on-calendar as it is, and writes both files into --unit-dir with the systemctl line on stderr', async function () {
    const outcome = await sb.run(['schedule', 'systemd', '--on-calendar', 'daily', '--name', 'bb-app', '--randomized-delay', '900', '--unit-dir', sb.dir], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout).to.equal('')
    expect(outcome.stderr).to.contain('systemctl daemon-reload && systemctl enable --now bb-app.timer')
    expect((await readdir(sb.dir)).filter((name) => name.startsWith('bb-app'))).to.have.members(['bb-app.service', 'bb-app.timer'])
    const timer = await readFile(path.join(sb.dir, 'bb-app.timer'), 'utf8')
    expect(timer).to.contain('\nOnCalendar=daily\nPersistent=true\nRandomizedDelaySec=900\n')
    expect(await readFile(path.join(sb.dir, 'bb-app.service'), 'utf8')).to.contain(`\nExecStart=${BIN} backup\n`)
  })

  it('takes at most one of --cron and --on-calendar, and needs a schedule from them or the config file', async function () {
    const outcome = await sb.run(['schedule', 'systemd', '--cron', '@daily', '--on-calendar', 'daily'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.error?.message).to.contain('--cron=@daily cannot also be provided when using --on-calendar')
    const neither = await sb.run(['schedule', 'systemd'], sb.dir)
    expect(neither.exitCode).to.equal(2)
    expect(neither.stderr).to.contain('no schedule: give the cron expression with --cron EXPR (or schedule.cron under $settings in the config file)')
  })

  it('takes the schedule and its time zone from $settings.schedule of the config file backup reads; --cron replaces it', async function () {
    await writeFile(path.join(sb.dir, 'nightly.yaml'), '$settings:\n  schedule: {cron: "30 2 * * 1-5", timezone: Europe/Berlin}\n')
    const outcome = await sb.run(['schedule', 'systemd', '--', '-c', 'nightly.yaml'], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout).to.contain('\nDescription=Run backupbot.service on a schedule (30 2 * * 1-5)\n')
    expect(outcome.stdout).to.contain('\nOnCalendar=Mon..Fri *-*-* 02:30:00 Europe/Berlin\n')
    const flagged = await sb.run(['schedule', 'systemd', '--cron', '@daily', '--', '-c', 'nightly.yaml'], sb.dir)
    expect(flagged.stdout).to.contain('\nOnCalendar=*-*-* 00:00:00\n')
    // The file is checked whole when it gives the schedule.
    await writeFile(path.join(sb.dir, 'bad.yaml'), '$settings:\n  schedule: {cron: "30 2 * * 1-5", timezone: Mars/Olympus}\n')
    const bad = await sb.run(['schedule', 'systemd', '--', '--config=bad.yaml'], sb.dir)
    expect(bad.exitCode).to.equal(2)
    expect(bad.stderr).to.contain('bad.yaml: $settings.schedule.timezone')
  })

  it('refuses a --name systemd could not take', async function () {
    const outcome = await sb.run(['schedule', 'systemd', '--on-calendar', 'daily', '--name', 'back/up'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('--name "back/up" is not a systemd unit name')
  })
})

describe('backupbot schedule cron', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('prints one crontab line that runs backup in the current folder and appends to the log', async function () {
    const outcome = await sb.run(['schedule', 'cron', '--cron', '@hourly', '--log-file', '/var/log/bb.log', '--', '--keep', '24'], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout).to.equal(`@hourly cd ${sb.dir} && ${BIN} backup --keep 24 >> /var/log/bb.log 2>&1\n`)
  })

  it('takes the schedule from $settings.schedule, warning that crontab ignores its time zone', async function () {
    await writeFile(path.join(sb.dir, 'backupbot.yaml'), '$settings:\n  schedule: {cron: "30 2 * * *", timezone: Europe/Berlin}\n')
    const outcome = await sb.run(['schedule', 'cron'], sb.dir)
    expect(outcome.exitCode, outcome.stderr).to.equal(0)
    expect(outcome.stdout).to.equal(`30 2 * * * cd ${sb.dir} && ${BIN} backup >> /var/log/backupbot.log 2>&1\n`)
    expect(outcome.stderr).to.contain("warning: crontab runs in the machine's time zone: $settings.schedule.timezone Europe/Berlin does not apply to this line")
  })
})

describe('backupbot daemon', function () {
  let sb: Sandbox
  useSandbox((created) => (sb = created))

  it('refuses a bad cron expression before anything runs, with exit 2 and what to write', async function () {
    const outcome = await sb.run(['daemon', '--cron', '@sometimes'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.stderr).to.contain('backupbot: --cron "@sometimes" is not a cron expression').and.contain('hint: five fields')
  })

  it('refuses an unknown time zone, and a missing schedule', async function () {
    const zone = await sb.run(['daemon', '--cron', '@daily', '--timezone', 'Mars/Olympus'], sb.dir)
    expect(zone.exitCode).to.equal(2)
    expect(zone.stderr).to.contain('--timezone "Mars/Olympus" is not a time zone')
    const none = await sb.run(['daemon'], sb.dir)
    expect(none.exitCode).to.equal(2)
    expect(none.stderr).to.contain('no schedule: give the cron expression with --cron EXPR')
  })

  it('takes the schedule from $settings.schedule of the config file backup reads, checked with the file', async function () {
    await writeFile(path.join(sb.dir, 'bad-zone.yaml'), '$settings:\n  schedule: {cron: "0 3 * * *", timezone: Mars/Olympus}\n')
    const zone = await sb.run(['daemon', '--', '--config', 'bad-zone.yaml'], sb.dir)
    expect(zone.exitCode).to.equal(2)
    expect(zone.stderr).to.contain('bad-zone.yaml: $settings.schedule.timezone')
    // A schedule from the file: the daemon goes on to check backup's arguments (no compose project here).
    await writeFile(path.join(sb.dir, 'nightly.yaml'), '$settings:\n  schedule: {cron: "0 3 * * *"}\n')
    const nightly = await sb.run(['daemon', '--', '-c', 'nightly.yaml'], sb.dir)
    expect(nightly.exitCode).to.equal(2)
    expect(nightly.stderr).not.to.contain('no schedule')
    expect(nightly.stderr).to.contain('backup --dry-run')
  })

  it('takes backup\'s flags only after --', async function () {
    const outcome = await sb.run(['daemon', '--cron', '@daily', '--config', 'x.yaml'], sb.dir)
    expect(outcome.exitCode).to.equal(2)
    expect(outcome.error?.message).to.contain('Nonexistent flag: --config')
  })
})
