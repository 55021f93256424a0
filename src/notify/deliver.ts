// Sends one notification request: Node's fetch, a timeout per attempt, a few more attempts with
// a short pause between them. A notification that cannot be delivered is a warning, never a
// failed backup: this returns whether it arrived and never throws.
import {setTimeout as sleep} from 'node:timers/promises'

import type {Logger} from '../scheme.js'
import {percentDecoded} from './url-secrets.js'

export interface Delivery {
  /** What is sent, for the log: `webhook`, `healthchecks ping`. */
  what: string
  method: 'GET' | 'POST'
  url: URL
  headers?: Record<string, string>
  body?: string
}

export interface DeliveryPolicy {
  /** Seconds each attempt may take. */
  timeout: number
  /** Further attempts after a failed one. */
  retries: number
  /** Milliseconds to wait before each further attempt; the last one repeats (default 1 s, 2 s). */
  backoffMs?: readonly number[]
}

const BACKOFF_MS = [1000, 2000]

/** Delivers `delivery`; a non-2xx answer, a network error or a timeout is a failed attempt. */
export async function deliver(delivery: Delivery, policy: DeliveryPolicy, log: Logger): Promise<boolean> {
  const backoff = policy.backoffMs ?? BACKOFF_MS
  const request = fetchable(delivery)
  let problem = ''
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(backoff[Math.min(attempt, backoff.length) - 1] ?? 0)
    problem = await attemptOnce(request, policy.timeout)
    if (!problem) {
      log.debug(`${delivery.what} ${delivery.method} ${delivery.url.href}: delivered`)
      return true
    }
    log.debug(`${delivery.what} ${delivery.method} ${delivery.url.href}: attempt ${attempt + 1} failed: ${problem}`)
  }
  const attempts = policy.retries + 1
  log.warn(`${delivery.what} ${delivery.method} ${delivery.url.href} failed after ${attempts} attempt(s): ${problem} (the backup's outcome is unchanged)`)
  return false
}

/** What fetch takes: it refuses a URL with user:password@, which becomes basic authentication. */
function fetchable(delivery: Delivery): {url: string; init: RequestInit} {
  const url = new URL(delivery.url)
  const headers = new Headers(delivery.headers)
  if (url.username || url.password) {
    const credentials = `${percentDecoded(url.username)}:${percentDecoded(url.password)}`
    if (!headers.has('authorization')) headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
    url.username = ''
    url.password = ''
  }
  return {url: url.href, init: {method: delivery.method, headers, body: delivery.body}}
}

/** '' when delivered, else why not. */
async function attemptOnce(request: {url: string; init: RequestInit}, timeout: number): Promise<string> {
  try {
    const response = await fetch(request.url, {...request.init, signal: AbortSignal.timeout(timeout * 1000)})
    // The answer's body is not wanted; reading it to the end frees the connection.
    await response.arrayBuffer()
    return response.ok ? '' : `HTTP ${response.status} ${response.statusText}`.trim()
  } catch (error) {
    return failureReason(error, timeout)
  }
}

function failureReason(error: unknown, timeout: number): string {
  const {name, message, cause} = error as Error & {cause?: unknown}
  if (name === 'TimeoutError') return `no answer within ${timeout} s`
  // fetch says only "fetch failed"; the cause says what (ECONNREFUSED, ENOTFOUND, ...).
  return cause instanceof Error ? `${message}: ${cause.message}` : message
}
