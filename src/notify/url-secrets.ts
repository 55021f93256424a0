// A notification URL often is a credential: healthchecks.io's ping URL is its UUID or ping key,
// Slack's and Discord's webhooks carry their token in the path, others take ?token= or
// user:password@. Those parts are registered with the masker, so that logs, warnings and --json
// show the URL with them as ***.
import type {SecretMasker} from '../log/secrets.js'

/** Query parameters whose name says they hold a credential (any length). */
const SECRET_PARAMETER = /token|key|secret|pass|auth|sig|code|hash/i
/**
 * A path segment or query value this long is taken for a token (a UUID is 36, a healthchecks.io
 * ping key 22, a Slack token 24); shorter ones are words like `ping` or `hooks`, which masked
 * everywhere would garble the logs.
 */
const TOKEN_LENGTH = 16

export function registerUrlSecrets(masker: SecretMasker, url: URL): void {
  // Each as written in the URL, and as the server gets it.
  const add = (value: string) => {
    masker.add(value)
    masker.add(percentDecoded(value))
  }
  if (url.password) add(url.password)
  // https://TOKEN@host: a user name without a password is the credential itself.
  else if (url.username) add(url.username)
  for (const segment of url.pathname.split('/')) {
    if (segment.length >= TOKEN_LENGTH) add(segment)
  }
  for (const part of url.search.slice(1).split('&')) {
    const [name = '', value = ''] = part.split('=')
    if (SECRET_PARAMETER.test(name) || value.length >= TOKEN_LENGTH) add(value)
  }
}

/** `%xx` decoded; a malformed escape is left as it is (the URL parser does not reject one). */
export function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
