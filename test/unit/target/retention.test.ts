// Retention policies with restic's `forget` semantics. The first part ports cases of restic's own
// TestApplyPolicy (internal/restic/snapshot_policy_test.go): the same snapshot times, the same
// policy, the expected survivors from its golden files (internal/restic/testdata/
// policy_keep_snapshots_<n>). restic's times are UTC and it buckets in UTC there; here they are
// built with the local-time Date constructor, so the local-time buckets see the same calendar and
// the tests pass in any TZ.
import {expect} from 'chai'

import {applyRetention, describePolicy, parseDuration, type RetentionPolicy} from '../../../src/target/retention.js'

/** 'YYYY-MM-DD hh:mm:ss[.f]' as a local time. */
function local(text: string): Date {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(text)
  if (!m) throw new Error(`bad test time ${text}`)
  const [, y, mo, d, h, mi, s, frac] = m.map(Number) as number[]
  return new Date(y!, mo! - 1, d!, h!, mi!, s!, Math.round((frac || 0) * 1000))
}

/** The inverse of local(), for readable comparisons. */
function show(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const ms = date.getMilliseconds()
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}${ms ? `.${ms / 100}` : ''}`
}

const versions = (times: string[]) => times.map((time) => ({created: local(time)}))
const kept = (times: string[], policy: RetentionPolicy, now?: Date) =>
  applyRetention(versions(times), policy, now).keep.map((k) => show(k.version.created))
const reasons = (times: string[], policy: RetentionPolicy, now?: Date) =>
  applyRetention(versions(times), policy, now).keep.map((k) => [show(k.version.created), ...k.reasons])

// restic's testExpireSnapshots, in its order (not sorted), tags and paths left out.
const RESTIC = [
  ...['2014-09-01', '2014-09-02', '2014-09-05', '2014-09-06', '2014-09-08', '2014-09-09', '2014-09-10', '2014-09-11', '2014-09-20', '2014-09-22'],
  ...['2014-08-08', '2014-08-10', '2014-08-12', '2014-08-13'],
].map((d) => `${d} 10:20:30`)
RESTIC.push(
  '2014-08-13 10:20:30.1',
  ...['2014-08-15', '2014-08-18', '2014-08-20', '2014-08-21', '2014-08-22'].map((d) => `${d} 10:20:30`),
  ...['2014-10-01', '2014-10-02', '2014-10-05', '2014-10-06', '2014-10-08', '2014-10-09', '2014-10-10', '2014-10-11', '2014-10-20', '2014-10-22'].map((d) => `${d} 10:20:30`),
  ...['2014-11-08', '2014-11-10', '2014-11-12', '2014-11-13'].map((d) => `${d} 10:20:30`),
  '2014-11-13 10:20:30.1',
  ...['2014-11-15', '2014-11-18', '2014-11-20', '2014-11-21', '2014-11-22'].map((d) => `${d} 10:20:30`),
  ...['2015-09-01', '2015-09-02', '2015-09-05', '2015-09-06', '2015-09-08', '2015-09-09', '2015-09-10', '2015-09-11', '2015-09-20', '2015-09-22'].map((d) => `${d} 10:20:30`),
  ...['2015-08-08', '2015-08-10', '2015-08-12', '2015-08-13'].map((d) => `${d} 10:20:30`),
  '2015-08-13 10:20:30.1',
  ...['2015-08-15', '2015-08-18', '2015-08-20', '2015-08-21', '2015-08-22'].map((d) => `${d} 10:20:30`),
  ...['2015-10-01', '2015-10-02', '2015-10-05', '2015-10-06', '2015-10-08', '2015-10-09', '2015-10-10', '2015-10-11', '2015-10-20'].map((d) => `${d} 10:20:30`),
  ...Array<string>(5).fill('2015-10-22 10:20:30'),
  ...['2015-11-08', '2015-11-10', '2015-11-12', '2015-11-13'].map((d) => `${d} 10:20:30`),
  '2015-11-13 10:20:30.1',
  ...['2015-11-15', '2015-11-18', '2015-11-20', '2015-11-21', '2015-11-22'].map((d) => `${d} 10:20:30`),
  ...['2016-01-01 01:02:03', '2016-01-01 01:03:03', '2016-01-01 07:08:03', '2016-01-03 07:02:03'],
  ...['2016-01-04 10:23:03', '2016-01-04 11:23:03', '2016-01-04 12:23:03', '2016-01-04 12:24:03', '2016-01-04 12:28:03', '2016-01-04 12:30:03', '2016-01-04 16:23:03'],
  ...['2016-01-05 09:02:03', '2016-01-06 08:02:03', '2016-01-07 10:02:03', '2016-01-08 20:02:03', '2016-01-09 21:02:03'],
  ...['2016-01-12 21:02:03', '2016-01-12 21:08:03', '2016-01-18 12:02:03'],
)

/** All of RESTIC newest first (equal times in their given order), as show() prints them. */
const NEWEST_FIRST = versions(RESTIC)
  .sort((a, b) => b.created.getTime() - a.created.getTime())
  .map((v) => show(v.created))
const from = (oldest: string) => NEWEST_FIRST.filter((t) => local(t).getTime() >= local(oldest).getTime())

describe('applyRetention on restic\'s own test data', () => {
  it('uses restic\'s 101 snapshot times', () => {
    expect(RESTIC).to.have.length(103)
  })

  // [restic golden file number, policy, expected survivors newest first]
  const cases: Array<[number | string, RetentionPolicy, string[]]> = [
    [1, {last: 10}, NEWEST_FIRST.slice(0, 10)],
    [6, {daily: 3}, ['2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03']],
    [9, {last: 5, daily: 5}, ['2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-12 21:02:03', '2016-01-09 21:02:03', '2016-01-08 20:02:03', '2016-01-07 10:02:03']],
    [10, {last: 2, daily: 10}, [
      '2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03', '2016-01-08 20:02:03', '2016-01-07 10:02:03',
      '2016-01-06 08:02:03', '2016-01-05 09:02:03', '2016-01-04 16:23:03', '2016-01-03 07:02:03', '2016-01-01 07:08:03',
    ]],
    [11, {weekly: 2}, ['2016-01-18 12:02:03', '2016-01-12 21:08:03']],
    // 2016-01-03 is a Sunday: ISO week 53 of 2015, a week of its own.
    [12, {weekly: 4}, ['2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03', '2016-01-03 07:02:03']],
    [13, {daily: 3, weekly: 4}, ['2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03', '2016-01-03 07:02:03']],
    // Golden files 16 and 17 predate restic 0.16, which also keeps the oldest snapshot (2014-08-08)
    // when a rule has counts left: here yearly, with 10 allowed and 3 years seen.
    [16, {yearly: 10}, ['2016-01-18 12:02:03', '2015-11-22 10:20:30', '2014-11-22 10:20:30', '2014-08-08 10:20:30']],
    [17, {daily: 7, weekly: 2, monthly: 3, yearly: 10}, [
      '2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03', '2016-01-08 20:02:03', '2016-01-07 10:02:03',
      '2016-01-06 08:02:03', '2016-01-05 09:02:03', '2015-11-22 10:20:30', '2015-10-22 10:20:30', '2014-11-22 10:20:30',
      '2014-08-08 10:20:30',
    ]],
    [21, {within: '1d'}, ['2016-01-18 12:02:03']],
    // 1y1d1m before 2016-01-18 12:02:03 is 2014-12-17 12:02:03: all of 2015 and 2016.
    [26, {within: '1y1d1m'}, from('2015-01-01 00:00:00')],
    [28, {within: '2m2h'}, from('2015-11-18 10:02:03')],
    [29, {within: '1y2m3d3h'}, from('2014-11-15 09:02:03')],
    // 38 and 39 are restic's `unlimited` (-1) cases; a count above the number of hours/months
    // seen keeps the same versions.
    ['38 (hourly unlimited)', {hourly: 1000}, NEWEST_FIRST.filter((t, i) => {
      const newer = NEWEST_FIRST[i - 1]
      return newer === undefined || newer.slice(0, 13) !== t.slice(0, 13)
    })],
    ['39 (monthly and yearly unlimited)', {daily: 3, weekly: 2, monthly: 100, yearly: 100}, [
      '2016-01-18 12:02:03', '2016-01-12 21:08:03', '2016-01-09 21:02:03', '2015-11-22 10:20:30', '2015-10-22 10:20:30',
      '2015-09-22 10:20:30', '2015-08-22 10:20:30', '2014-11-22 10:20:30', '2014-10-22 10:20:30', '2014-09-22 10:20:30',
      '2014-08-22 10:20:30', '2014-08-08 10:20:30',
    ]],
  ]

  for (const [golden, policy, expected] of cases) {
    it(`keeps what restic's golden file ${golden} keeps for ${JSON.stringify(policy)}`, () => {
      const result = applyRetention(versions(RESTIC), policy)
      expect(result.keep.map((k) => show(k.version.created))).to.deep.equal(expected)
      expect(result.keep.length + result.remove.length).to.equal(RESTIC.length)
      expect(show(result.keep[0]!.version.created), 'the newest is kept').to.equal(NEWEST_FIRST[0])
    })
  }

  it('hourly unlimited drops exactly the versions restic\'s golden file 38 drops', () => {
    const removed = applyRetention(versions(RESTIC), {hourly: 1000}).remove.map((v) => show(v.created))
    expect(removed).to.deep.equal([
      '2016-01-12 21:02:03', '2016-01-04 12:28:03', '2016-01-04 12:24:03', '2016-01-04 12:23:03', '2016-01-01 01:02:03',
      '2015-11-13 10:20:30', ...Array<string>(4).fill('2015-10-22 10:20:30'), '2015-08-13 10:20:30', '2014-11-13 10:20:30',
      '2014-08-13 10:20:30',
    ])
  })

  it('gives every rule that kept a version as its reasons, as restic\'s golden files 9 and 13 do', () => {
    expect(reasons(RESTIC, {last: 5, daily: 5})).to.deep.equal([
      ['2016-01-18 12:02:03', 'last snapshot', 'daily snapshot'],
      ['2016-01-12 21:08:03', 'last snapshot', 'daily snapshot'],
      ['2016-01-12 21:02:03', 'last snapshot'],
      ['2016-01-09 21:02:03', 'last snapshot', 'daily snapshot'],
      ['2016-01-08 20:02:03', 'last snapshot', 'daily snapshot'],
      ['2016-01-07 10:02:03', 'daily snapshot'],
    ])
    expect(reasons(RESTIC, {daily: 3, weekly: 4})).to.deep.equal([
      ['2016-01-18 12:02:03', 'daily snapshot', 'weekly snapshot'],
      ['2016-01-12 21:08:03', 'daily snapshot', 'weekly snapshot'],
      ['2016-01-09 21:02:03', 'daily snapshot', 'weekly snapshot'],
      ['2016-01-03 07:02:03', 'weekly snapshot'],
    ])
  })

  it('marks the oldest version kept only because a rule had counts left as restic 0.18 does', () => {
    expect(reasons(RESTIC, {daily: 7, weekly: 2, monthly: 3, yearly: 10}).slice(-3)).to.deep.equal([
      ['2015-10-22 10:20:30', 'monthly snapshot'],
      ['2014-11-22 10:20:30', 'yearly snapshot'],
      ['2014-08-08 10:20:30', 'oldest yearly snapshot'],
    ])
    expect(reasons(RESTIC, {daily: 3, weekly: 2, monthly: 100, yearly: 100}).slice(-2)).to.deep.equal([
      ['2014-08-22 10:20:30', 'monthly snapshot'],
      ['2014-08-08 10:20:30', 'oldest monthly snapshot', 'oldest yearly snapshot'],
    ])
  })

  it('names the within rule in restic\'s spelling of the duration, as golden files 28 and 29 do', () => {
    expect(reasons(RESTIC, {within: '2m2h'})[0]).to.deep.equal(['2016-01-18 12:02:03', 'within 2m2h'])
    expect(reasons(RESTIC, {within: '3h3d2m1y'})[0]).to.deep.equal(['2016-01-18 12:02:03', 'within 1y2m3d3h'])
  })
})

describe('applyRetention', () => {
  const DAYS = ['2024-03-01 12:00:00', '2024-03-02 12:00:00', '2024-03-03 12:00:00']

  it('keeps everything, with restic\'s reason, when the policy is empty or all zero', () => {
    for (const policy of [{}, {last: 0, daily: 0, yearly: 0}]) {
      const result = applyRetention(versions(DAYS), policy)
      expect(result.remove).to.deep.equal([])
      expect(result.keep.map((k) => k.reasons)).to.deep.equal([['policy is empty'], ['policy is empty'], ['policy is empty']])
    }
  })

  it('returns nothing to keep or remove when there are no versions', () => {
    expect(applyRetention([], {last: 3})).to.deep.equal({keep: [], remove: []})
  })

  it('returns the caller\'s own objects, newest first, and leaves the input array as it was', () => {
    const input = [{created: local('2024-03-01 12:00:00'), id: 'a'}, {created: local('2024-03-03 12:00:00'), id: 'c'}, {created: local('2024-03-02 12:00:00'), id: 'b'}]
    const copy = [...input]
    const result = applyRetention(input, {last: 2})
    expect(input).to.deep.equal(copy)
    expect(result.keep.map((k) => k.version)).to.deep.equal([input[1], input[2]])
    expect(result.remove[0]).to.equal(input[0])
  })

  it('keeps equal times in the given order, as restic\'s stable sort does', () => {
    const input = [{created: local('2024-03-01 12:00:00'), id: 'first'}, {created: local('2024-03-01 12:00:00'), id: 'second'}]
    expect(applyRetention(input, {last: 1}).keep.map((k) => k.version.id)).to.deep.equal(['first'])
  })

  it('keeps the newest version of each of the n most recent periods that have a version', () => {
    const times = ['2024-03-05 09:00:00', '2024-03-05 18:00:00', '2024-03-04 08:00:00', '2024-03-01 23:59:59', '2024-03-01 00:00:00', '2024-02-27 12:00:00']
    expect(kept(times, {daily: 3})).to.deep.equal(['2024-03-05 18:00:00', '2024-03-04 08:00:00', '2024-03-01 23:59:59'])
    expect(kept(times, {hourly: 2})).to.deep.equal(['2024-03-05 18:00:00', '2024-03-05 09:00:00'])
    expect(kept(times, {monthly: 1})).to.deep.equal(['2024-03-05 18:00:00'])
  })

  it('also keeps the oldest version when a rule has counts left, marked oldest only if its period was already kept', () => {
    // daily 5, three days seen: the oldest, same day as a kept one, is kept as "oldest".
    expect(reasons(['2024-03-03 12:00:00', '2024-03-02 12:00:00', '2024-03-02 08:00:00'], {daily: 5})).to.deep.equal([
      ['2024-03-03 12:00:00', 'daily snapshot'],
      ['2024-03-02 12:00:00', 'daily snapshot'],
      ['2024-03-02 08:00:00', 'oldest daily snapshot'],
    ])
    // Its own day: a plain daily snapshot.
    expect(reasons(DAYS, {daily: 5}).at(-1)).to.deep.equal(['2024-03-01 12:00:00', 'daily snapshot'])
    // No counts left: not kept.
    expect(kept(['2024-03-03 12:00:00', '2024-03-02 12:00:00', '2024-03-02 08:00:00'], {daily: 2})).to.deep.equal(['2024-03-03 12:00:00', '2024-03-02 12:00:00'])
  })

  it('lists within first, then the count rules in restic\'s order', () => {
    expect(reasons(['2024-03-03 12:00:00'], {yearly: 1, monthly: 1, weekly: 1, daily: 1, hourly: 1, last: 1, within: '1d'})).to.deep.equal([
      ['2024-03-03 12:00:00', 'within 1d', 'last snapshot', 'hourly snapshot', 'daily snapshot', 'weekly snapshot', 'monthly snapshot', 'yearly snapshot'],
    ])
  })

  it('measures within from the newest version, not from now', () => {
    const times = ['2020-06-10 12:00:00', '2020-06-05 12:00:00', '2020-06-02 12:00:00']
    expect(kept(times, {within: '7d'}, local('2030-01-01 00:00:00'))).to.deep.equal(['2020-06-10 12:00:00', '2020-06-05 12:00:00'])
  })

  it('keeps a version dated after now but measures within from the newest version before now', () => {
    const times = ['2024-05-01 12:00:00', '2024-03-03 12:00:00', '2024-03-02 18:00:00', '2024-03-01 12:00:00']
    expect(kept(times, {within: '1d'}, local('2024-03-03 13:00:00'))).to.deep.equal(['2024-05-01 12:00:00', '2024-03-03 12:00:00', '2024-03-02 18:00:00'])
    // All in the future: nothing to measure from, restic keeps them all.
    expect(kept(times, {within: '1d'}, local('2000-01-01 00:00:00'))).to.have.length(4)
  })

  it('keeps a version exactly the duration before the newest out, as restic does (After, not !Before)', () => {
    expect(kept(['2024-03-03 12:00:00', '2024-03-02 12:00:00', '2024-03-02 12:00:00.1'], {within: '1d'})).to.deep.equal(['2024-03-03 12:00:00', '2024-03-02 12:00:00.1'])
  })

  it('keeps everything by within when the duration reaches past the range of dates', () => {
    expect(kept(DAYS, {within: '999999y'})).to.have.length(3)
  })

  it('keeps the newest version under every policy', () => {
    const times = ['2023-12-31 23:00:00', '2024-01-01 01:00:00', '2024-02-29 12:00:00']
    const policies: RetentionPolicy[] = [{last: 1}, {hourly: 1}, {daily: 1}, {weekly: 1}, {monthly: 1}, {yearly: 1}, {within: '1h'}, {within: '1h', last: 1}]
    for (const policy of policies) {
      for (const now of [undefined, local('2024-02-29 11:00:00'), local('1999-01-01 00:00:00')]) {
        expect(kept(times, policy, now)[0], `${JSON.stringify(policy)} now=${now}`).to.equal('2024-02-29 12:00:00')
      }
    }
  })

  it('buckets weeks as ISO weeks, so the turn of the year does not split a week', () => {
    // 2020-12-28 (Mon) to 2021-01-03 (Sun) is week 53 of 2020; 2021-01-04 opens week 1 of 2021.
    const times = ['2021-01-04 09:00:00', '2021-01-03 09:00:00', '2021-01-01 09:00:00', '2020-12-31 09:00:00', '2020-12-28 09:00:00', '2020-12-27 09:00:00']
    expect(kept(times, {weekly: 2})).to.deep.equal(['2021-01-04 09:00:00', '2021-01-03 09:00:00'])
    expect(kept(times, {weekly: 3})).to.deep.equal(['2021-01-04 09:00:00', '2021-01-03 09:00:00', '2020-12-27 09:00:00'])
    // 2019-12-30 (Mon) is in week 1 of 2020, with 2020-01-01; yearly still goes by the calendar year.
    expect(kept(['2020-01-01 09:00:00', '2019-12-30 09:00:00', '2019-12-22 09:00:00'], {weekly: 1})).to.deep.equal(['2020-01-01 09:00:00'])
    expect(kept(['2020-01-01 09:00:00', '2019-12-30 09:00:00', '2019-12-22 09:00:00'], {yearly: 1})).to.deep.equal(['2020-01-01 09:00:00'])
    expect(kept(['2020-01-01 09:00:00', '2019-12-30 09:00:00', '2019-12-22 09:00:00'], {yearly: 2})).to.deep.equal(['2020-01-01 09:00:00', '2019-12-30 09:00:00'])
  })

  it('buckets months and days on the local calendar across a month rollover', () => {
    const times = ['2021-03-01 00:00:01', '2021-02-28 23:59:59', '2021-02-01 00:00:00', '2021-01-31 23:59:59']
    expect(kept(times, {monthly: 2})).to.deep.equal(['2021-03-01 00:00:01', '2021-02-28 23:59:59'])
    expect(kept(times, {monthly: 3})).to.deep.equal(['2021-03-01 00:00:01', '2021-02-28 23:59:59', '2021-01-31 23:59:59'])
    expect(kept(times, {daily: 2})).to.deep.equal(['2021-03-01 00:00:01', '2021-02-28 23:59:59'])
  })

  it('reaches back from 31 March by 1m only to 3 March, as Go\'s AddDate normalises 31 February', () => {
    const times = ['2021-03-31 12:00:00', '2021-03-03 12:00:00.1', '2021-03-03 12:00:00', '2021-02-28 12:00:00']
    expect(kept(times, {within: '1m'})).to.deep.equal(['2021-03-31 12:00:00', '2021-03-03 12:00:00.1'])
  })

  it('buckets a daylight saving day as one local day and counts within on the local calendar', () => {
    // 2021-03-28 has 23 hours in much of Europe and 2021-10-31 has 25; either way it is one day,
    // and 1d before 29 March 12:00 is 28 March 12:00 local, not 24 elapsed hours before.
    expect(kept(['2021-03-28 23:30:00', '2021-03-28 00:30:00', '2021-03-27 23:30:00'], {daily: 2})).to.deep.equal(['2021-03-28 23:30:00', '2021-03-27 23:30:00'])
    expect(kept(['2021-10-31 23:30:00', '2021-10-31 00:30:00', '2021-10-30 23:30:00'], {daily: 2})).to.deep.equal(['2021-10-31 23:30:00', '2021-10-30 23:30:00'])
    expect(kept(['2021-03-29 12:00:00', '2021-03-28 12:30:00', '2021-03-28 11:30:00'], {within: '1d'})).to.deep.equal(['2021-03-29 12:00:00', '2021-03-28 12:30:00'])
    expect(kept(['2021-11-01 12:00:00', '2021-10-31 12:30:00', '2021-10-31 11:30:00'], {within: '1d'})).to.deep.equal(['2021-11-01 12:00:00', '2021-10-31 12:30:00'])
  })

  it('refuses negative, fractional and non-numeric counts, naming the flag', () => {
    expect(() => applyRetention(versions(DAYS), {daily: -1})).to.throw(/--keep-daily must be a whole number of at least 0, got -1/)
    expect(() => applyRetention(versions(DAYS), {last: 1.5})).to.throw(/--keep-last/)
    expect(() => applyRetention(versions(DAYS), {weekly: Number.NaN})).to.throw(/--keep-weekly/)
    expect(() => applyRetention(versions(DAYS), {yearly: Number.POSITIVE_INFINITY})).to.throw(/--keep-yearly/)
    expect(() => applyRetention(versions(DAYS), {monthly: '3' as unknown as number})).to.throw(/--keep-monthly/)
  })

  it('refuses an invalid within before looking at the versions', () => {
    expect(() => applyRetention([], {within: '0d'})).to.throw(/--keep-within/)
    expect(() => applyRetention(versions(DAYS), {within: '1w'})).to.throw(/--keep-within/)
  })

  it('refuses a version without a valid created time', () => {
    expect(() => applyRetention([{created: new Date('nope')}], {last: 1})).to.throw(/version 0 has no valid created time/)
  })
})

describe('parseDuration', () => {
  it('reads years, months, days and hours in any order, as restic does', () => {
    expect(parseDuration('1y5m7d2h')).to.deep.equal({years: 1, months: 5, days: 7, hours: 2})
    expect(parseDuration('1y1d1m')).to.deep.equal({years: 1, months: 1, days: 1, hours: 0})
    expect(parseDuration('36h')).to.deep.equal({years: 0, months: 0, days: 0, hours: 36})
    expect(parseDuration(' 0y7d ')).to.deep.equal({years: 0, months: 0, days: 7, hours: 0})
  })

  it('refuses what restic would misread or treat as no rule, naming the flag and an example', () => {
    const bad = ['', '   ', '0d', '0y0m0d0h', '1w', '7', 'd', '-1d', '1d1d', '1.5d', '1d 2h', '1D', 'y1', '99999999999999999999d']
    for (const text of bad) {
      expect(() => parseDuration(text), JSON.stringify(text)).to.throw(/^--keep-within .*e\.g\. 1y5m7d2h$/)
    }
    expect(() => parseDuration('1w')).to.throw(/unknown unit "w"/)
    expect(() => parseDuration('0d')).to.throw(/zero/)
    expect(() => parseDuration('-1d')).to.throw(/negative/)
    expect(() => parseDuration('1d1d')).to.throw(/d is given twice/)
    expect(() => parseDuration('7')).to.throw(/7 has no unit/)
  })

  it('throws a usage error, which the commands turn into exit 2', () => {
    expect(() => parseDuration('1w')).to.throw().with.property('name', 'UsageError')
  })
})

describe('describePolicy', () => {
  it('gives the restic forget flags in restic\'s order, leaving out rules that are off', () => {
    expect(describePolicy({within: '1y2m', daily: 7, last: 3, weekly: 0})).to.deep.equal(['--keep-last', '3', '--keep-daily', '7', '--keep-within', '1y2m'])
    expect(describePolicy({hourly: 24, weekly: 4, monthly: 12, yearly: 5})).to.deep.equal([
      '--keep-hourly', '24', '--keep-weekly', '4', '--keep-monthly', '12', '--keep-yearly', '5',
    ])
  })

  it('writes within the way restic prints it', () => {
    expect(describePolicy({within: '2h1d0m'})).to.deep.equal(['--keep-within', '1d2h'])
  })

  it('gives no flags for an empty policy', () => {
    expect(describePolicy({})).to.deep.equal([])
    expect(describePolicy({last: 0})).to.deep.equal([])
  })

  it('refuses the same invalid policies as applyRetention', () => {
    expect(() => describePolicy({last: -3})).to.throw(/--keep-last/)
    expect(() => describePolicy({within: '3x'})).to.throw(/--keep-within/)
  })
})
