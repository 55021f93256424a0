// cron expressions as systemd OnCalendar= values: the text, and the proof that both fire at the
// same times (croner's next runs against systemd-analyze's, from the same base time).
import {expect} from 'chai'
import {Cron} from 'croner'
import {execFileSync} from 'node:child_process'

import {UsageError} from '../../../src/errors.js'
import {cronToOnCalendar} from '../../../src/schedule/cron-to-calendar.js'

const CONVERSIONS: Array<[string, string]> = [
  ['0 3 * * *', '*-*-* 03:00:00'],
  ['30 2 * * 1-5', 'Mon..Fri *-*-* 02:30:00'],
  ['*/15 9-17 * * mon-fri', 'Mon..Fri *-*-* 09..17:00/15:00'],
  ['5/20 * * * *', '*-*-* *:05/20:00'],
  ['0 0 1,15 * *', '*-*-01,15 00:00:00'],
  ['0 4 * jan-mar,dec *', '*-01..03,12-* 04:00:00'],
  ['0 4 * */3 *', '*-01/3-* 04:00:00'],
  ['0 6 * * 0', 'Sun *-*-* 06:00:00'],
  ['0 6 * * 5-7', 'Fri..Sun *-*-* 06:00:00'],
  ['0 6 * * 1,3,5', 'Mon,Wed,Fri *-*-* 06:00:00'],
  ['0 0-20/10 * * *', '*-*-* 00/10:00:00'],
  ['0 0-12/6 * * *', '*-*-* 00,06,12:00:00'],
  ['*/2 * * * * *', '*-*-* *:*:00/2'],
  ['15 30 4 * * *', '*-*-* 04:30:15'],
  ['@daily', '*-*-* 00:00:00'],
  ['@weekly', 'Sun *-*-* 00:00:00'],
  ['@hourly', '*-*-* *:00:00'],
]

/** The next `count` times systemd-analyze computes for an OnCalendar= value after `base`. */
function systemdTimes(spec: string, base: Date, count: number): string[] {
  const out = execFileSync('systemd-analyze', ['calendar', `--base-time=@${base.getTime() / 1000}`, `--iterations=${count}`, spec], {encoding: 'utf8', env: {...process.env, TZ: 'UTC', LC_ALL: 'C'}})
  return [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => `${m[1]!.replace(' ', 'T')}.000Z`)
}

describe('cronToOnCalendar', function () {
  for (const [cron, calendar] of CONVERSIONS) {
    it(`writes "${cron}" as "${calendar}"`, function () {
      expect(cronToOnCalendar(cron)).to.equal(calendar)
    })
  }

  it('appends the time zone, which systemd reads at the end', function () {
    expect(cronToOnCalendar('0 3 * * *', 'Europe/Berlin')).to.equal('*-*-* 03:00:00 Europe/Berlin')
  })

  it('fires at the same times as croner does, as systemd-analyze computes them', function () {
    const base = new Date('2026-03-27T12:00:00Z')
    for (const [cron] of CONVERSIONS) {
      const croner = new Cron(cron, {paused: true, timezone: 'UTC'}).nextRuns(6, base).map((d) => d.toISOString())
      expect(systemdTimes(cronToOnCalendar(cron), base, 6), cron).to.deep.equal(croner)
    }
    // Across a daylight saving change: both read the time in the zone. (A time inside the hour
    // the change skips differs: croner runs it an hour late, systemd not that day.)
    const zoned = new Cron('30 3 * * *', {paused: true, timezone: 'Europe/Berlin'}).nextRuns(4, base).map((d) => d.toISOString())
    expect(zoned[1]).to.equal('2026-03-29T01:30:00.000Z')
    expect(systemdTimes(cronToOnCalendar('30 3 * * *', 'Europe/Berlin'), base, 4)).to.deep.equal(zoned)
  })

  for (const [cron, why] of [
    ['0 3 L * *', /L, #, \? or W/],
    ['0 3 * * 5#2', /L, #, \? or W/],
    ['0 3 1 * 1', /day of the month or the day of the week matches, systemd only when both do/],
  ] as const) {
    it(`refuses "${cron}", pointing to --on-calendar`, function () {
      let error: unknown
      try {
        cronToOnCalendar(cron)
      } catch (caught) {
        error = caught
      }
      expect(error).to.be.instanceOf(UsageError)
      expect((error as UsageError).message).to.match(why).and.contain(`"${cron}" cannot be written as a systemd OnCalendar=`)
      expect((error as UsageError).suggestions.join()).to.contain('--on-calendar')
    })
  }
})
