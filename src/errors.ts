// Typed errors from the core, and the exit codes (README "Exit codes"), defined once. The base
// command turns errors and results into them: a UsageError means bad input and nothing was
// touched (exit 2).

export const EXIT = {
  ok: 0,
  /** Some item (or version, or container to start again) failed; the others still ran. */
  failed: 1,
  usage: 2,
  locked: 3,
  /** SIGINT/SIGTERM: the work in progress was discarded, stopped containers started again. */
  interrupted: 130,
} as const

/** Bad input: a config file, a flag, a compose file. Nothing has been changed. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage
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
  readonly exitCode = EXIT.locked
  constructor(message: string) {
    super(message)
    this.name = 'LockedError'
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
