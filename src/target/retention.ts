// Which versions of an item a retention policy keeps, with the semantics of `restic forget`, so
// that the local backup tree and a restic repository given the same policy (see describePolicy)
// keep the same history. Pure: no file system; rotate/prune act on the result.
//
// Matched: restic's ApplyPolicy in internal/restic/snapshot_policy.go and ParseDuration in
// internal/restic/duration.go, as they behave since restic 0.16 and as documented for 0.18
// (doc/060_forget.rst):
// - the newest version before `now` is the reference point of `within`, so a version dated in
//   the future cannot make `within` drop the rest (it came with the --keep-within-* rules, 0.13);
// - a count rule that still has counts left after the oldest version also keeps the oldest
//   version (0.16+, restic PR #4366), with the reason prefixed "oldest " when it would otherwise
//   not have been kept (0.18 output, restic PR #5039; 0.16/0.17 print the plain reason).
// Not supported, on purpose: restic's `unlimited` (-1) counts (0.16+: restic 0.14, which Debian
// 12 ships, refuses them, and describePolicy's flags must work with it; a count larger than the
// number of versions does the same), `--keep-tag` (versions have no tags) and the
// `--keep-within-{hourly,...}` rules. With restic before 0.16 a restic repository keeps one
// version fewer than the local tree when a rule has counts left: its oldest.
//
// Buckets (hour, day, ISO week, month, year) are taken in the local time of the process, as
// restic takes them in the time zone recorded in each snapshot's time (the backup host's): the
// same when the backup and the pruning run on one host. backupbot's manifests record UTC
// (`created` from toISOString), so the local time is the only one there is.
import {UsageError} from '../errors.js'
import type {RetentionPolicy} from '../store.js'

export type {RetentionPolicy} from '../store.js'

/** restic's `--keep-within` duration: calendar years, months and days, then hours. */
export interface Duration {
  years: number
  months: number
  days: number
  hours: number
}

export interface Retention<T> {
  /** Newest first, each with every rule that kept it (restic's reason strings). */
  keep: Array<{version: T; reasons: string[]}>
  /** Newest first. */
  remove: T[]
}

const COUNT_RULES = [
  {key: 'last', flag: '--keep-last', reason: 'last snapshot', bucket: (_: Date, nr: number) => nr},
  {key: 'hourly', flag: '--keep-hourly', reason: 'hourly snapshot', bucket: (d: Date) => dayKey(d) * 100 + d.getHours()},
  {key: 'daily', flag: '--keep-daily', reason: 'daily snapshot', bucket: dayKey},
  {key: 'weekly', flag: '--keep-weekly', reason: 'weekly snapshot', bucket: isoWeekKey},
  {key: 'monthly', flag: '--keep-monthly', reason: 'monthly snapshot', bucket: (d: Date) => d.getFullYear() * 100 + d.getMonth() + 1},
  {key: 'yearly', flag: '--keep-yearly', reason: 'yearly snapshot', bucket: (d: Date) => d.getFullYear()},
] as const

const WITHIN_FLAG = '--keep-within'
/** How to write a `--keep-within` duration (also the settings file's `keep_within`). */
export const DURATION_HELP = 'use whole numbers with y (years), m (months), d (days) or h (hours), e.g. 1y5m7d2h'

/**
 * Parses restic's `--keep-within` format: one or more of `<n>y`, `<n>m`, `<n>d`, `<n>h`. Stricter
 * than restic, which ignores unknown units (`1w` keeps nothing by duration) and lets a repeated
 * unit overwrite the first: those, and a duration of zero, are refused here.
 */
export function parseDuration(text: string): Duration {
  const read = readDuration(text)
  if (typeof read === 'string') throw new UsageError(`${WITHIN_FLAG} ${JSON.stringify(text)}: ${read}; ${DURATION_HELP}`)
  return read
}

/** Why `text` is not a duration parseDuration takes, or undefined when it is one. */
export function durationProblem(text: string): string | undefined {
  const read = readDuration(text)
  return typeof read === 'string' ? read : undefined
}

/** The duration, or why it is not one. */
function readDuration(text: string): Duration | string {
  const duration: Duration = {years: 0, months: 0, days: 0, hours: 0}
  const units = {y: 'years', m: 'months', d: 'days', h: 'hours'} as const
  const rest = text.trim()
  if (rest === '') return 'the duration is empty'
  const seen = new Set<string>()
  for (let at = 0; at < rest.length; ) {
    const part = /^(\d+)(\D?)/.exec(rest.slice(at))
    if (!part) return rest[at] === '-' ? 'a duration cannot be negative' : `expected a number at ${JSON.stringify(rest.slice(at))}`
    const [whole, digits, unit] = part as unknown as [string, string, string]
    if (unit === '') return `${digits} has no unit`
    if (!(unit in units)) return `unknown unit ${JSON.stringify(unit)}`
    if (seen.has(unit)) return `${unit} is given twice`
    seen.add(unit)
    const value = Number(digits)
    if (!Number.isSafeInteger(value)) return `${digits} is too large`
    duration[units[unit as keyof typeof units]] = value
    at += whole.length
  }
  if (Object.values(duration).every((v) => v === 0)) return 'a duration of zero would keep nothing by it'
  return duration
}

/** restic's spelling of a duration (Duration.String): `1y2m`, zero parts left out. */
function formatDuration(d: Duration): string {
  return `${d.years ? `${d.years}y` : ''}${d.months ? `${d.months}m` : ''}${d.days ? `${d.days}d` : ''}${d.hours ? `${d.hours}h` : ''}`
}

/** Throws a UsageError naming the flag when a count is not a whole number >= 0 or `within` does not parse. */
export function checkPolicy(policy: RetentionPolicy): Duration | undefined {
  for (const rule of COUNT_RULES) {
    const count = policy[rule.key]
    if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
      throw new UsageError(`${rule.flag} must be a whole number of at least 0, got ${count}`)
    }
  }
  return policy.within === undefined ? undefined : parseDuration(policy.within)
}

/**
 * Splits `versions` into those `policy` keeps and those it removes, as `restic forget` would
 * (see the top of this file). `now` only decides which versions are in the future: those never
 * serve as the reference point of `within` (and `within` keeps them).
 */
export function applyRetention<T extends {created: Date}>(versions: T[], policy: RetentionPolicy, now: Date = new Date()): Retention<T> {
  const within = checkPolicy(policy)
  versions.forEach((v, i) => {
    if (!(v.created instanceof Date) || Number.isNaN(v.created.getTime())) throw new TypeError(`version ${i} has no valid created time`)
  })
  // Newest first; equal times keep their given order (restic: sort.Stable).
  const sorted = [...versions].sort((a, b) => b.created.getTime() - a.created.getTime())
  const counts = COUNT_RULES.map((rule) => ({...rule, left: policy[rule.key] ?? 0, last: undefined as number | undefined})).filter((b) => b.left > 0)
  if (counts.length === 0 && within === undefined) {
    return {keep: sorted.map((version) => ({version, reasons: ['policy is empty']})), remove: []}
  }

  const cutoff = within === undefined ? undefined : withinCutoff(sorted, within, now)
  const withinReason = within === undefined ? '' : `within ${formatDuration(within)}`
  const keep: Retention<T>['keep'] = []
  const remove: T[] = []
  sorted.forEach((version, nr) => {
    const reasons: string[] = []
    if (cutoff !== undefined && version.created.getTime() > cutoff) reasons.push(withinReason)
    const oldest = nr === sorted.length - 1
    for (const bucket of counts) {
      if (bucket.left === 0) continue
      const value = bucket.bucket(version.created, nr)
      // A rule with counts left also keeps the oldest version: the longest history it allows.
      if (value !== bucket.last || oldest) {
        reasons.push(value === bucket.last ? `oldest ${bucket.reason}` : bucket.reason)
        bucket.last = value
        bucket.left--
      }
    }
    // backupbot's own rule on top of restic's: the newest version is always kept. With the rules
    // above restic never drops it either; this makes it a guarantee, not a consequence.
    if (nr === 0 && reasons.length === 0) reasons.push('newest version')
    if (reasons.length > 0) keep.push({version, reasons})
    else remove.push(version)
  })
  return {keep, remove}
}

/**
 * The time after which a version is within `d` (ms): `d` before the newest version not dated
 * after `now`, the calendar part on the local calendar (Go's AddDate: 31 March - 1m is
 * "31 February", i.e. 3 March), then the hours as elapsed time. -Infinity when no version is
 * before `now` (restic measures from year 1 then) or the date leaves the range of Date.
 */
function withinCutoff(newestFirst: Array<{created: Date}>, d: Duration, now: Date): number {
  const latest = newestFirst.find((v) => v.created.getTime() < now.getTime())?.created
  if (latest === undefined) return -Infinity
  const at = new Date(latest.getTime())
  at.setFullYear(latest.getFullYear() - d.years, latest.getMonth() - d.months, latest.getDate() - d.days)
  const cutoff = at.getTime() - d.hours * 3_600_000
  return Number.isNaN(cutoff) ? -Infinity : cutoff
}

/** The `restic forget` flags for `policy`, as arguments: ['--keep-last', '3', '--keep-within', '1y2m']. [] for an empty policy. */
export function describePolicy(policy: RetentionPolicy): string[] {
  const within = checkPolicy(policy)
  const flags = COUNT_RULES.flatMap((rule) => (policy[rule.key] ? [rule.flag, String(policy[rule.key])] : []))
  return within === undefined ? flags : [...flags, WITHIN_FLAG, formatDuration(within)]
}

/** YYYYMMDD of the local date. */
function dayKey(d: Date): number {
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate()
}

/** YYYYWW of the local date's ISO week (Go's ISOWeek): weeks run Monday to Sunday, week 1 holds 4 January. */
function isoWeekKey(d: Date): number {
  const day = utcDay(d.getFullYear(), d.getMonth(), d.getDate())
  const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * 86_400_000)
  const year = thursday.getUTCFullYear()
  const week = Math.floor((thursday.getTime() - utcDay(year, 0, 1).getTime()) / (7 * 86_400_000)) + 1
  return year * 100 + week
}

/** Midnight UTC of a calendar date (setUTCFullYear: Date.UTC would read years 0-99 as 19xx). */
function utcDay(year: number, month: number, date: number): Date {
  const day = new Date(0)
  day.setUTCFullYear(year, month, date)
  return day
}
