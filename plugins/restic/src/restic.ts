// Runs the restic program: the repository and every credential through the environment (never
// in arguments, so never in `ps`), JSON on standard output parsed line by line, standard error
// kept for the error message. A command that finds the repository locked by another machine is
// tried again until the lock wait runs out, once stale locks are gone (restic unlock).
import {spawn, type ChildProcess} from 'node:child_process'
import {Readable} from 'node:stream'
import {setTimeout as sleep} from 'node:timers/promises'

import {isLocked, notInstalled, resticFailure, type StoreError} from './errors.js'
import type {Repository} from './repository.js'

export interface ResticSettings {
  repository: Repository
  env: NodeJS.ProcessEnv
  /** How long a command waits for another process's lock (ms). */
  lockWait: number
}

/** One running restic. */
export class ResticProcess {
  readonly child: ChildProcess
  private stderr = ''
  private readonly lines: string[] = []
  private lineWaiters: Array<() => void> = []
  /** Settles when restic has exited: its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>

  constructor(
    readonly command: string,
    args: string[],
    settings: ResticSettings,
    options: {input?: boolean; raw?: boolean} = {},
  ) {
    this.child = spawn('restic', args, {
      env: {...settings.env, RESTIC_REPOSITORY: settings.repository.value},
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    // A pipe restic closed (it failed, or was stopped) is reported through its exit, not as a crash.
    this.child.stdin?.on('error', () => {})
    let partial = ''
    // Raw: standard output is data (restic dump), read by the caller.
    if (!options.raw) {
      this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        const parts = (partial + text).split('\n')
        partial = parts.pop()!
        for (const line of parts) if (line.trim() !== '') this.lines.push(line)
        this.wake()
      })
    }
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      // Bounded: the end of restic's standard error says why it failed.
      this.stderr = (this.stderr + text).slice(-64 * 1024)
    })
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? notInstalled() : error))
      this.child.once('close', (code) => {
        if (partial.trim() !== '') this.lines.push(partial)
        this.wake()
        resolve(code)
      })
    })
    this.exited.catch(() => this.wake())
  }

  /** Resolves at restic's first line of output (it holds its lock then), or when it exited. */
  async started(): Promise<void> {
    if (this.lines.length > 0 || this.child.exitCode !== null) return
    await new Promise<void>((resolve) => this.lineWaiters.push(resolve))
  }

  get errors(): string {
    return this.stderr
  }

  /** The JSON messages restic printed (lines that are not JSON are left out). */
  messages(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        const value = JSON.parse(line)
        return Array.isArray(value) ? value : [value]
      } catch {
        return []
      }
    })
  }

  output(): string {
    return this.lines.join('\n')
  }

  failure(code: number | null, shown: string): StoreError {
    return resticFailure(this.command, code, this.stderr, shown)
  }

  private wake(): void {
    const waiters = this.lineWaiters
    this.lineWaiters = []
    for (const wake of waiters) wake()
  }
}

export class Restic {
  /** Settles once `restic unlock` ran (once per store and run). */
  private unlocked?: Promise<void>

  constructor(readonly settings: ResticSettings) {}

  get shown(): string {
    return this.settings.repository.shown
  }

  /**
   * Starts `restic <args>`; with `input`, its standard input is a pipe. Resolves once restic has
   * its lock (its first output), retrying while another process holds the repository's lock.
   */
  async start(args: string[], options: {input?: boolean} = {}): Promise<ResticProcess> {
    const deadline = Date.now() + this.settings.lockWait
    for (;;) {
      const process = new ResticProcess(args[0]!, [...this.globalArgs(), ...args], this.settings, options)
      await process.started()
      if (process.child.exitCode === null && process.child.signalCode === null) return process
      const code = await process.exited
      if (code === 0) return process
      if (!isLocked(process.errors) || Date.now() > deadline) throw process.failure(code, this.shown)
      await this.lockedPause()
    }
  }

  /** Runs `restic <args>` to its end; rejects with a classified error when it fails. */
  async run(args: string[]): Promise<ResticProcess> {
    const deadline = Date.now() + this.settings.lockWait
    for (;;) {
      const process = new ResticProcess(args[0]!, [...this.globalArgs(), ...args], this.settings)
      const code = await process.exited
      if (code === 0) return process
      if (!isLocked(process.errors) || Date.now() > deadline) throw process.failure(code, this.shown)
      await this.lockedPause()
    }
  }

  /**
   * The standard output of `restic <args>` (restic dump) as a stream with backpressure. It fails,
   * never ends early, when restic fails; a lock is waited for while nothing has been read yet.
   */
  stream(args: string[]): Readable {
    const deadline = Date.now() + this.settings.lockWait
    let current: ResticProcess | undefined
    let started = false
    const out = new Readable({
      read: () => current?.child.stdout!.resume(),
      destroy: (error, done) => {
        current?.child.kill('SIGINT')
        done(error)
      },
    })
    const attempt = () => {
      const process = new ResticProcess(args[0]!, [...this.globalArgs(), ...args], this.settings, {raw: true})
      current = process
      process.child.stdout!.on('data', (chunk: Buffer) => {
        started = true
        if (!out.push(chunk)) process.child.stdout!.pause()
      })
      process.exited.then(
        (code) => {
          if (out.destroyed) return
          if (code === 0) out.push(null)
          else if (!started && isLocked(process.errors) && Date.now() < deadline) void this.lockedPause().then(attempt)
          else out.destroy(process.failure(code, this.shown))
        },
        (error: Error) => out.destroy(error),
      )
    }
    attempt()
    return out
  }

  /** Runs a restic command with `--json` and parses its one JSON document. */
  async json<T>(args: string[]): Promise<T> {
    const process = await this.run([...args, '--json'])
    try {
      return JSON.parse(process.output()) as T
    } catch (error) {
      throw new Error(`restic ${args[0]} printed no JSON (repository ${this.shown}): ${(error as Error).message}`)
    }
  }

  /**
   * Between two tries of a command that found the repository locked: the first time, the locks
   * restic itself finds stale go (`restic unlock`: their process, on this machine, is gone, or
   * nobody refreshed them for 30 minutes). A restic whose backupbot was killed dies at its next
   * line of output (SIGPIPE) and leaves its lock, which would block every forget, prune and check
   * until someone ran `restic unlock`. A live lock stays: then this waits for it.
   */
  private async lockedPause(): Promise<void> {
    this.unlocked ??= new ResticProcess('unlock', [...this.globalArgs(), 'unlock'], this.settings).exited.then(
      () => undefined,
      () => undefined,
    )
    await this.unlocked
    await sleep(500 + Math.random() * 1500)
  }

  /** `-o key=value` options from BACKUPBOT_RESTIC_OPTIONS (one per line), e.g. sftp.command. */
  private globalArgs(): string[] {
    const options = this.settings.env.BACKUPBOT_RESTIC_OPTIONS ?? ''
    return options
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .flatMap((line) => ['-o', line])
  }
}
