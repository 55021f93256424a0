// The notifications of one backup run (`$settings.notify`): the healthchecks /start ping once the
// run is validated and starts, then, however it ended, the webhooks and the final ping. Their URLs
// and headers are registered as secrets when the run is set up, before anything is printed.
import type {RunObserver, RunOutcome} from '../cli/run-outcome.js'
import type {NotifySettings} from '../config/settings/types.js'
import {UsageError} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {Logger} from '../scheme.js'
import {deliver, type Delivery, type DeliveryPolicy} from './deliver.js'
import {finishPing, startPing} from './healthchecks.js'
import {registerUrlSecrets} from './url-secrets.js'
import {webhookDelivery} from './webhook.js'

export interface NotifyRun<R> extends RunObserver<R> {
  /** The run is validated and starts its items: the healthchecks /start ping, sent without waiting. */
  start(): void
}

export interface NotifyOptions {
  masker: SecretMasker
  log: Logger
  /** The pauses between attempts (see DeliveryPolicy). */
  backoffMs?: readonly number[]
}

export function notifyRun<R>(settings: NotifySettings | undefined, options: NotifyOptions): NotifyRun<R> {
  const {masker, log} = options
  const webhooks = (settings?.webhooks ?? []).map((webhook, i) => {
    const url = httpUrl(webhook.url, `notify.webhooks[${i}].url`)
    registerUrlSecrets(masker, url)
    for (const value of Object.values(webhook.headers ?? {})) masker.add(value)
    return {webhook, url}
  })
  const healthchecks = settings?.healthchecks === undefined ? undefined : httpUrl(settings.healthchecks, 'notify.healthchecks')
  if (healthchecks) registerUrlSecrets(masker, healthchecks)
  const policy: DeliveryPolicy = {timeout: settings?.timeout ?? 10, retries: settings?.retries ?? 2, backoffMs: options.backoffMs}
  const send = (delivery: Delivery) => deliver(delivery, policy, log)
  let started: Promise<unknown> = Promise.resolve()
  return {
    start() {
      if (healthchecks) started = send(startPing(healthchecks))
    },
    async finish(outcome: RunOutcome<R>) {
      // The final ping after /start, or healthchecks.io would take the run for still running.
      await started
      const deliveries = webhooks.flatMap(({webhook, url}) => webhookDelivery(webhook, url, outcome) ?? [])
      if (healthchecks) deliveries.push(finishPing(healthchecks, outcome))
      await Promise.all(deliveries.map(send))
    },
  }
}

/** The URL; what it is not is said without echoing it (it may hold a token). */
function httpUrl(value: string, key: string): URL {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return url
  throw new UsageError(`${key} is not an http(s) URL`, ['write it as https://host/path'])
}
