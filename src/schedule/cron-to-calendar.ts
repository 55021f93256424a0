// A cron expression as a systemd timer's OnCalendar= value. Every field becomes the set of
// values it matches, written back in systemd's syntax (`*`, `a..b`, `start/step`, lists), so any
// mix of lists, ranges, steps and names converts. What systemd cannot say is refused: cron's
// L, # and ? (last day, nth weekday) and a day of the month together with a day of the week
// (cron runs when either matches, systemd only when both do). One difference stays: a time in the
// hour a daylight saving change skips runs an hour late under croner and not that day under systemd.
import {UsageError} from '../errors.js'

interface Field {
  name: string
  min: number
  max: number
  names?: string[]
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const SYSTEMD_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

const SECOND: Field = {name: 'second', min: 0, max: 59}
const MINUTE: Field = {name: 'minute', min: 0, max: 59}
const HOUR: Field = {name: 'hour', min: 0, max: 23}
const DAY: Field = {name: 'day of month', min: 1, max: 31}
const MONTH: Field = {name: 'month', min: 1, max: 12, names: MONTHS}
// 0 and 7 are both Sunday; kept as 7 so that ranges run Monday to Sunday, as systemd's do.
const WEEKDAY: Field = {name: 'day of week', min: 0, max: 7, names: WEEKDAYS}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
}

class NotConvertible extends Error {}

/** OnCalendar= for a cron expression (5 or 6 fields, already checked by parseSchedule); throws UsageError when systemd cannot express it. */
export function cronToOnCalendar(cron: string, timezone?: string): string {
  try {
    return convert(cron, timezone)
  } catch (error) {
    if (!(error instanceof NotConvertible)) throw error
    throw new UsageError(`the cron expression "${cron}" cannot be written as a systemd OnCalendar=: ${error.message}`, [
      'give the timer\'s schedule in systemd\'s own syntax with --on-calendar instead of --cron, e.g. --on-calendar "Mon..Fri *-*-* 03:00:00" (check it with systemd-analyze calendar)',
    ])
  }
}

function convert(cron: string, timezone: string | undefined): string {
  const expression = NICKNAMES[cron.trim().toLowerCase()] ?? cron
  const parts = expression.trim().split(/\s+/)
  if (parts.length === 5) parts.unshift('0')
  if (parts.length !== 6) throw new NotConvertible('it needs 5 or 6 fields')
  const [second, minute, hour, day, month, weekday] = parts as [string, string, string, string, string, string]
  if (day !== '*' && weekday !== '*') {
    throw new NotConvertible('cron runs when the day of the month or the day of the week matches, systemd only when both do')
  }
  const time = [render(HOUR, hour), render(MINUTE, minute), render(SECOND, second)].join(':')
  const date = `*-${render(MONTH, month)}-${render(DAY, day)}`
  const weekdays = weekday === '*' ? '' : `${ranges(values(WEEKDAY, weekday), (day) => SYSTEMD_WEEKDAYS[day]!)} `
  return `${weekdays}${date} ${time}${timezone ? ` ${timezone}` : ''}`
}

/** The sorted values a cron field matches (Sunday as 7). */
function values(field: Field, text: string): number[] {
  if (/[L#?W]/i.test(text)) throw new NotConvertible(`"${text}" (${field.name}) uses L, #, ? or W, which systemd has no word for`)
  const set = new Set<number>()
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined]
    const step = stepText === undefined ? 1 : number(field, stepText)
    const [from, to] = range === '*' ? [field.min, field.max] : bounds(field, range, stepText !== undefined)
    for (let value = from; value <= to; value += step) set.add(value)
  }
  if (field === WEEKDAY && set.delete(0)) set.add(7)
  return [...set].sort((a, b) => a - b)
}

/** `a-b` as [a, b]; a single `a` is [a, a], or [a, max] before a step (`5/15`). */
function bounds(field: Field, range: string, stepped: boolean): [number, number] {
  const [from, to] = range.split('-') as [string, string | undefined]
  const start = number(field, from)
  return [start, to === undefined ? (stepped ? field.max : start) : number(field, to)]
}

function number(field: Field, text: string): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1
  if (named >= 0) return named + (field === MONTH ? 1 : 0)
  if (!/^\d+$/.test(text)) throw new NotConvertible(`"${text}" is not a ${field.name}`)
  return Number(text)
}

/** A time or date field in systemd's syntax, two digits each. */
function render(field: Field, text: string): string {
  const list = values(field, text)
  const pad = (value: number) => String(value).padStart(2, '0')
  if (list.length === field.max - field.min + 1) return '*'
  const step = list.length > 2 ? list[1]! - list[0]! : 0
  // `start/step` repeats up to the field's end: only when the list is exactly that.
  const repeats = step > 1 && list.every((value, i) => value === list[0]! + i * step) && list.at(-1)! + step > field.max
  if (repeats) return `${pad(list[0]!)}/${step}`
  return ranges(list, pad)
}

/** Values as a systemd list: runs of three or more consecutive values as `a..b`. */
function ranges(list: number[], label: (value: number) => string): string {
  const runs: Array<[number, number]> = []
  for (const value of list) {
    const last = runs.at(-1)
    if (last && value === last[1] + 1) last[1] = value
    else runs.push([value, value])
  }
  return runs
    .map(([from, to]) => (from === to ? label(from) : to === from + 1 ? `${label(from)},${label(to)}` : `${label(from)}..${label(to)}`))
    .join(',')
}
