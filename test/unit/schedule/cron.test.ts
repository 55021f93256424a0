// The schedule checked before anything runs, and where it comes from (flags over the settings file).
import {expect} from 'chai'

import {UsageError} from '../../../src/errors.js'
import {parseSchedule, resolveSchedule} from '../../../src/schedule/cron.js'

function usageError(work: () => unknown): UsageError {
  try {
    work()
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return error as UsageError
  }
  throw new Error('expected a UsageError')
}

describe('parseSchedule', function () {
  it('reads the cron expression in the time zone given', function () {
    const base = new Date('2026-01-15T12:00:00Z')
    expect(parseSchedule({cron: '0 3 * * *', timezone: 'Europe/Berlin'}).nextRun(base)?.toISOString()).to.equal('2026-01-16T02:00:00.000Z')
    expect(parseSchedule({cron: '0 3 * * *', timezone: 'America/New_York'}).nextRun(base)?.toISOString()).to.equal('2026-01-16T08:00:00.000Z')
    expect(parseSchedule({cron: '*/2 * * * * *', timezone: 'UTC'}).nextRun(base)?.toISOString()).to.equal('2026-01-15T12:00:02.000Z')
  })

  it('names the flag and what to write for an expression croner cannot read', function () {
    const error = usageError(() => parseSchedule({cron: '0 25 * * *'}))
    expect(error.message).to.equal('--cron "0 25 * * *" is not a cron expression: CronPattern: Invalid value for hour: 25')
    expect(error.suggestions[0]).to.contain('"0 3 * * *" for 03:00 every day')
    expect(usageError(() => parseSchedule({cron: '0 3 * *'})).message).to.contain('exactly five or six space separated parts')
  })

  it('refuses an unknown time zone and an expression that never matches', function () {
    const zone = usageError(() => parseSchedule({cron: '0 3 * * *', timezone: 'Europe/Atlantis'}))
    expect(zone.message).to.equal('--timezone "Europe/Atlantis" is not a time zone: Invalid time zone specified: Europe/Atlantis')
    expect(zone.suggestions[0]).to.contain('IANA zone name')
    expect(usageError(() => parseSchedule({cron: '0 0 30 2 *'})).message).to.contain('never matches a date')
  })

  it('names the settings file\'s keys when the schedule came from there', function () {
    const origin = {cron: 'backupbot.yaml: $settings.schedule.cron', timezone: 'backupbot.yaml: $settings.schedule.timezone'}
    expect(usageError(() => parseSchedule({cron: 'daily'}, origin)).message).to.match(/^backupbot\.yaml: \$settings\.schedule\.cron "daily" is not a cron expression/)
  })
})

describe('resolveSchedule', function () {
  const file = {cron: '0 3 * * *', timezone: 'Europe/Berlin'}

  it('takes each flag over the settings file\'s value', function () {
    expect(resolveSchedule({cron: '0 4 * * *'}, file)).to.deep.equal({cron: '0 4 * * *', timezone: 'Europe/Berlin'})
    expect(resolveSchedule({timezone: 'UTC'}, file)).to.deep.equal({cron: '0 3 * * *', timezone: 'UTC'})
    expect(resolveSchedule({}, file)).to.deep.equal(file)
    expect(resolveSchedule({cron: '@daily'})).to.deep.equal({cron: '@daily'})
  })

  it('needs a cron expression from one of them', function () {
    expect(usageError(() => resolveSchedule({timezone: 'UTC'})).message).to.contain('no schedule: give the cron expression with --cron EXPR')
  })
})
