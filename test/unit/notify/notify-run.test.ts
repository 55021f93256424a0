// Notifications against a real HTTP server on 127.0.0.1: what is sent for which outcome, the
// pings' order, retries, timeouts, and that a failed delivery is only a warning.
import {expect} from 'chai'

import {errorDocument} from '../../../src/cli/error-document.js'
import type {RunOutcome} from '../../../src/cli/run-outcome.js'
import type {NotifySettings} from '../../../src/config/settings/types.js'
import {stderrLogger} from '../../../src/log/logger.js'
import {SecretMasker} from '../../../src/log/secrets.js'
import {PING_BODY_CHARS} from '../../../src/notify/healthchecks.js'
import {notifyRun} from '../../../src/notify/notify-run.js'
import {type HttpSink, httpSink} from '../../support/http-sink.js'
import {freePort} from '../../support/ports.js'

const UUID = '0f8a2c7e-3b1d-4c5e-9a6f-1234567890ab'
const ok: RunOutcome<unknown> = {exitCode: 0, document: {ok: true, target: '/srv/backups', items: []}, text: '1 item(s) backed up into /srv/backups'}
const failed: RunOutcome<unknown> = {exitCode: 1, document: {ok: false, target: '/srv/backups', items: []}, text: 'FAILED  db  shop  dump failed\n1 of 1 item(s) failed'}

describe('the notifications of a run', function () {
  let sink: HttpSink
  let lines: string[]
  let masker: SecretMasker
  beforeEach(async function () {
    sink = await httpSink()
    lines = []
    masker = new SecretMasker()
  })
  afterEach(async function () {
    await sink.close()
  })

  /** Sets up, starts (unless told not to) and finishes a run's notifications; short pauses between attempts. */
  async function notified(settings: NotifySettings, outcome: RunOutcome<unknown>, {start = true} = {}): Promise<void> {
    const run = notifyRun(settings, {masker, log: stderrLogger(masker, 'info', (line) => lines.push(line) > 0), backoffMs: [20, 40]})
    if (start) run.start()
    await run.finish(outcome)
  }
  const seen = () => sink.requests.map((r) => `${r.method} ${r.url}`)

  describe('a webhook', function () {
    it('gets nothing after a run that succeeded, by default (when: failure)', async function () {
      await notified({webhooks: [{url: `${sink.url}/hook`}]}, ok)
      expect(sink.requests).to.deep.equal([])
    })

    it('gets the run\'s document as JSON, with its own headers, after a run that failed', async function () {
      await notified({webhooks: [{url: `${sink.url}/hook`, headers: {'X-Api-Key': 'key-123'}}]}, failed)
      expect(seen()).to.deep.equal(['POST /hook'])
      const [request] = sink.requests
      expect(request!.headers['content-type']).to.equal('application/json')
      expect(request!.headers['x-api-key']).to.equal('key-123')
      expect(JSON.parse(request!.body)).to.deep.equal(failed.document)
    })

    it('gets the error document when the run ended with an error', async function () {
      const outcome = {exitCode: 3, document: errorDocument({name: 'LockedError', message: 'locked by pid 7'}, 3), text: 'backupbot: locked by pid 7\n'}
      await notified({webhooks: [{url: `${sink.url}/hook`}]}, outcome)
      expect(JSON.parse(sink.requests[0]!.body)).to.deep.equal({error: {name: 'LockedError', message: 'locked by pid 7', exitCode: 3, suggestions: []}})
    })

    it('gets every run with when: always', async function () {
      await notified({webhooks: [{url: `${sink.url}/a`, when: 'always'}, {url: `${sink.url}/b`}]}, ok)
      expect(seen()).to.deep.equal(['POST /a'])
    })

    it('takes user:password@ in its URL as basic authentication', async function () {
      await notified({webhooks: [{url: sink.url.replace('//', '//bot:s%40cret@') + '/hook'}]}, failed)
      expect(sink.requests[0]!.headers.authorization).to.equal(`Basic ${Buffer.from('bot:s@cret').toString('base64')}`)
    })
  })

  describe('healthchecks pings', function () {
    it('are /start when the run starts, then the URL itself on success', async function () {
      await notified({healthchecks: `${sink.url}/${UUID}`}, ok)
      expect(seen()).to.deep.equal([`POST /${UUID}/start`, `POST /${UUID}`])
      expect(sink.requests[1]!.body).to.equal(ok.text)
    })

    it('end with /fail and the tail of what the run printed', async function () {
      const long = {...failed, text: 'x'.repeat(50_000) + failed.text}
      await notified({healthchecks: `${sink.url}/ping/${UUID}/`}, long)
      expect(seen()).to.deep.equal([`POST /ping/${UUID}/start`, `POST /ping/${UUID}/fail`])
      const body = sink.requests[1]!.body
      expect(body).to.have.length(PING_BODY_CHARS)
      expect(body.endsWith('1 of 1 item(s) failed')).to.equal(true)
    })

    it('are only /fail for a run that ended before it started (bad input)', async function () {
      const outcome = {exitCode: 2, document: errorDocument({name: 'UsageError', message: 'bad'}, 2), text: 'backupbot: bad\n'}
      await notified({healthchecks: `${sink.url}/${UUID}`}, outcome, {start: false})
      expect(seen()).to.deep.equal([`POST /${UUID}/fail`])
      expect(sink.requests[0]!.body).to.equal('backupbot: bad\n')
    })
  })

  describe('a delivery that fails', function () {
    it('is tried again after a pause, and is no warning once it arrives', async function () {
      const answers = [500, 503]
      sink.answer = () => answers.shift() ?? 200
      const started = Date.now()
      await notified({webhooks: [{url: `${sink.url}/hook`}], retries: 2}, failed)
      expect(seen()).to.deep.equal(['POST /hook', 'POST /hook', 'POST /hook'])
      expect(Date.now() - started).to.be.at.least(60)
      expect(lines).to.deep.equal([])
    })

    it('is a warning naming the URL with its token masked once every attempt failed', async function () {
      sink.answer = () => 500
      await notified({webhooks: [{url: `${sink.url}/hook?token=tok-42`}], retries: 1}, failed)
      expect(sink.requests).to.have.length(2)
      expect(lines).to.deep.equal([`warning: webhook POST ${sink.url}/hook?token=*** failed after 2 attempt(s): HTTP 500 Internal Server Error (the backup's outcome is unchanged)\n`])
    })

    it('waits 1 s before the first further attempt by default', async function () {
      sink.answer = () => 500
      const run = notifyRun({webhooks: [{url: `${sink.url}/hook`}], retries: 1}, {masker, log: stderrLogger(masker, 'quiet', (line) => lines.push(line) > 0)})
      const started = Date.now()
      await run.finish(failed)
      expect(Date.now() - started).to.be.within(1000, 1900)
    })

    it('gives up on an endpoint that does not answer after the timeout', async function () {
      sink.answer = () => undefined
      const started = Date.now()
      await notified({healthchecks: `${sink.url}/${UUID}`, timeout: 0.3, retries: 0}, ok, {start: false})
      expect(Date.now() - started).to.be.within(250, 1500)
      expect(lines).to.deep.equal([`warning: healthchecks ping POST ${sink.url}/*** failed after 1 attempt(s): no answer within 0.3 s (the backup's outcome is unchanged)\n`])
    })

    it('to a closed port is a warning, not an error', async function () {
      const port = await freePort()
      await notified({webhooks: [{url: `http://127.0.0.1:${port}/hook`, when: 'always'}], retries: 0}, ok)
      expect(lines).to.have.length(1)
      expect(lines[0]).to.match(/^warning: webhook POST http:\/\/127\.0\.0\.1:\d+\/hook failed after 1 attempt\(s\): fetch failed: connect ECONNREFUSED/)
    })
  })

  it('registers the tokens of the URLs and the header values as secrets when set up', function () {
    notifyRun({webhooks: [{url: 'https://example.com/hook?token=tok-42', headers: {Authorization: 'Bearer abc-xyz'}}], healthchecks: `https://hc-ping.com/${UUID}`}, {masker, log: stderrLogger(masker, 'quiet')})
    expect(masker.mask(`tok-42 Bearer abc-xyz ${UUID}`)).to.equal('*** *** ***')
  })

  it('refuses a URL that is not http(s) without echoing it', function () {
    const make = () => notifyRun({healthchecks: 'ftp://secret-place/x'}, {masker, log: stderrLogger(masker, 'quiet')})
    expect(make).to.throw('notify.healthchecks is not an http(s) URL').with.property('message').that.does.not.contain('secret-place')
  })
})
