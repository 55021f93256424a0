// How a command ended, for what reports on it after the fact (notifications, the metrics file):
// the exit code and the same masked document and text a user or script saw.
import type {ErrorDocument} from './error-document.js'

export interface RunOutcome<R> {
  /** What the process exits with (README "Exit codes"). */
  exitCode: number
  /** What `--json` prints: the command's result, or the error document. Masked. */
  document: R | ErrorDocument
  /** What is printed without --json: the result's text (stdout), or the error's (stderr). Masked. */
  text: string
}

/** Told once how a command ended, whatever it was; never throws (its own failures are warnings). */
export interface RunObserver<R> {
  finish(outcome: RunOutcome<R>): Promise<void>
}

export function isErrorDocument<R>(document: R | ErrorDocument): document is ErrorDocument {
  return document !== null && typeof document === 'object' && 'error' in document
}
