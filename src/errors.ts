// Typed errors from the core. The base command turns them into exit codes (see README):
// a UsageError means bad input and nothing was touched (exit 2).

/** Bad input: a config file, a flag, a compose file. Nothing has been changed. */
export class UsageError extends Error {
  readonly exitCode = 2
  constructor(message: string, readonly suggestions: string[] = []) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * A config problem located in a file: `where` is the file, `path` the key inside it
 * (`db[2].password`, `services.web.volumes[0]`).
 */
export class ConfigError extends UsageError {
  constructor(readonly file: string, readonly path: string, problem: string, suggestions: string[] = []) {
    super(`${file}${path ? `: ${path}` : ''}: ${problem}`, suggestions)
    this.name = 'ConfigError'
  }
}

/** Another run holds the target's lock (exit 3): nothing was touched. */
export class LockedError extends Error {
  readonly exitCode = 3
  constructor(message: string) {
    super(message)
    this.name = 'LockedError'
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
