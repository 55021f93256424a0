/**
 * Runs the built backupbot CLI (`node bin/run.js`, which loads dist/) as a real subprocess:
 * no shell, no tsx. Build first (`npm run build`; `npm test` does it).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa, type ResultPromise} from 'execa'

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'run.js')

export interface CliOptions {
  /** Working directory of the CLI (e.g. the compose project's directory). */
  cwd: string
  /** Extra environment (merged into process.env; a value of undefined removes a variable). */
  env?: Record<string, string | undefined>
  /** Standard input; default: none (stdin is closed, like CI). */
  input?: string | Uint8Array
  /** Default true: a non-zero exit throws, with stdout/stderr in the message. */
  reject?: boolean
  /** Kill after this many ms (default 170 s, under the integration timeout). */
  timeoutMs?: number
}

export interface CliResult {
  /** undefined when the process was killed by a signal (see `signal`). */
  exitCode: number | undefined
  signal: string | undefined
  stdout: string
  stderr: string
}

function assertBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist'))) {
    throw new Error(`${path.join(REPO_ROOT, 'dist')} is missing: run \`npm run build\` before the integration tests`)
  }
}

function execaOptions(opts: CliOptions) {
  return {
    cwd: opts.cwd,
    // Plain, deterministic output: no colours, no oclif update/auto-detection noise.
    env: {NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env},
    input: opts.input,
    stdin: opts.input === undefined ? ('ignore' as const) : undefined,
    reject: false,
    timeout: opts.timeoutMs ?? 170_000,
  }
}

/** Runs `node bin/run.js ...args` and returns its exit code and output. */
export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  assertBuilt()
  const r = await execa(process.execPath, [CLI_BIN, ...args], execaOptions(opts))
  const result: CliResult = {exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr}
  if (opts.reject !== false && r.exitCode !== 0) {
    throw new Error(
      `backupbot ${args.join(' ')} exited with ${r.exitCode ?? r.signal}` +
        `${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    )
  }

  return result
}

/**
 * Starts `node bin/run.js ...args` and returns the execa subprocess at once (for kill tests):
 * `child.kill('SIGKILL')`, then `await child` (it never rejects on a non-zero exit or a signal;
 * the result has exitCode/signal/stdout/stderr). `opts.reject` is ignored.
 */
export function spawnCli(args: string[], opts: CliOptions): ResultPromise<ReturnType<typeof execaOptions>> {
  assertBuilt()
  return execa(process.execPath, [CLI_BIN, ...args], execaOptions(opts))
}

/** Resolves when the child's stdout or stderr (so far, accumulated) matches `pattern`. */
export function waitForOutput(
  child: ResultPromise,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString()
      if (pattern.test(seen)) finish(() => resolve(seen))
    }

    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${seen}`))),
      timeoutMs,
    )
    const onExit = () =>
      finish(() => reject(new Error(`process exited before its output matched ${pattern}; output:\n${seen}`)))
    function finish(action: () => void) {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      action()
    }

    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}
