// healthchecks.io's ping protocol (also served by self-hosted Healthchecks and compatible
// monitors): <url>/start when the run starts, <url> when it succeeded, <url>/fail when it did
// not, with the end of what the run printed as the body, which the check's log shows.
import type {RunOutcome} from '../cli/run-outcome.js'
import {EXIT} from '../errors.js'
import type {Delivery} from './deliver.js'

/** healthchecks.io keeps up to 100 kB of a ping's body; the end of the output says what failed. */
export const PING_BODY_CHARS = 10_000

export function startPing(url: URL): Delivery {
  return ping(url, '/start')
}

/** `<url>` on success, `<url>/fail` otherwise (also for a refused lock or an interrupt). */
export function finishPing(url: URL, outcome: RunOutcome<unknown>): Delivery {
  return ping(url, outcome.exitCode === EXIT.ok ? '' : '/fail', outcome.text.slice(-PING_BODY_CHARS))
}

function ping(url: URL, suffix: string, body?: string): Delivery {
  const target = new URL(url)
  target.pathname = target.pathname.replace(/\/$/, '') + suffix
  return {what: 'healthchecks ping', method: 'POST', url: target, ...(body === undefined ? {} : {headers: {'content-type': 'text/plain; charset=utf-8'}, body})}
}
