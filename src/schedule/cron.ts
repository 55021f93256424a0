// A schedule (cron expression + time zone) checked once, before anything runs: croner parses
// it, and its next run proves the zone is known and the expression ever matches.
import {Cron} from 'croner'

import type {ScheduleSettings} from '../config/settings/types.js'
import {UsageError, errorMessage} from '../errors.js'

/** Where the schedule's parts came from, for the error: the flags, or the settings file's keys. */
export interface ScheduleOrigin {
  cron: string
  timezone: string
}

export const FLAG_ORIGIN: ScheduleOrigin = {cron: '--cron', timezone: '--timezone'}

const CRON_HINT = 'five fields (minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for 03:00 every day) or six with seconds first ("*/30 * * * * *"); @daily, @hourly, @weekly, @monthly and @yearly also work'

/** A paused croner job for the schedule (its nextRun() answers when the next run is); throws UsageError when it is unusable. */
export function parseSchedule(schedule: ScheduleSettings, origin: ScheduleOrigin = FLAG_ORIGIN): Cron {
  let job: Cron
  try {
    job = new Cron(schedule.cron, {paused: true, timezone: schedule.timezone})
  } catch (error) {
    throw new UsageError(`${origin.cron} "${schedule.cron}" is not a cron expression: ${errorMessage(error)}`, [CRON_HINT])
  }
  let next: Date | null
  try {
    next = job.nextRun()
  } catch (error) {
    // croner only looks the zone up when it computes a time.
    throw new UsageError(`${origin.timezone} "${schedule.timezone}" is not a time zone: ${errorMessage(error)}`, [
      'an IANA zone name such as Europe/Berlin, America/New_York or UTC (see timedatectl list-timezones); without it the machine\'s zone is used',
    ])
  }
  if (next === null) throw new UsageError(`${origin.cron} "${schedule.cron}" never matches a date (e.g. the 30th of February)`, [CRON_HINT])
  return job
}

/**
 * The schedule the daemon runs on: each flag wins over the settings file's value (`$settings.schedule`),
 * and one of them must give the cron expression.
 */
export function resolveSchedule(flags: {cron?: string; timezone?: string}, settings?: ScheduleSettings): ScheduleSettings {
  const cron = flags.cron ?? settings?.cron
  if (cron === undefined) {
    throw new UsageError('no schedule: give the cron expression with --cron EXPR (or schedule.cron under $settings in the config file)', [CRON_HINT])
  }
  const timezone = flags.timezone ?? settings?.timezone
  return timezone === undefined ? {cron} : {cron, timezone}
}
