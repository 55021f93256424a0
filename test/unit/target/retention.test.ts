// Retention policies with restic's `forget` semantics. The first part ports cases of restic's own
// TestApplyPolicy (internal/restic/snapshot_policy_test.go): the same snapshot times, the same
// policy, the expected survivors from its golden files (internal/restic/testdata/
// policy_keep_snapshots_<n>). restic's times are UTC and it buckets in UTC there; here they are
// built with the local-time Date constructor, so the local-time buckets see the same calendar and
// the tests pass in any TZ.
import {expect} from 'chai'

import {applyRetention, type RetentionPolicy} from '../../../src/target/retention.js'

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
