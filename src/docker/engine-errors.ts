// What an error from the Docker engine (through dockerode) says: its HTTP status, and its message
// without dockerode's "(HTTP code ...)" prefix.
import {errorMessage} from '../errors.js'

/** The engine's HTTP status of a failed request (404: no such object, 304: already so, 409: conflict). */
export function statusOf(error: unknown): number | undefined {
  return (error as {statusCode?: number}).statusCode
}

/** A readable message for an engine error (dockerode prefixes "(HTTP code ...)"). */
export function engineMessage(error: unknown): string {
  return errorMessage(error).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
}
