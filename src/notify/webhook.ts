// A webhook gets the run's --json document (BackupResult, or the error document) as a POST:
// only when the run failed (`when: failure`, the default), or after every run (`always`).
import type {RunOutcome} from '../cli/run-outcome.js'
import type {WebhookSettings} from '../config/settings/types.js'
import {EXIT} from '../errors.js'
import type {Delivery} from './deliver.js'

/** The POST for this outcome, or undefined when the webhook does not want it. */
export function webhookDelivery(webhook: WebhookSettings, url: URL, outcome: RunOutcome<unknown>): Delivery | undefined {
  if ((webhook.when ?? 'failure') === 'failure' && outcome.exitCode === EXIT.ok) return undefined
  const headers = new Headers(webhook.headers)
  headers.set('content-type', 'application/json')
  return {what: 'webhook', method: 'POST', url, headers: Object.fromEntries(headers), body: JSON.stringify(outcome.document)}
}
