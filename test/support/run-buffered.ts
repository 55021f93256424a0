// A program run to its end with its output kept as bytes (a dump, a restic stream), for the test
// bed's own commands: never rejects on a non-zero exit, which the caller judges.
import type {Readable} from 'node:stream'

import {execa} from 'execa'

export interface BufferedOptions {
  /** The whole environment when `extendEnv` is false, else added to this process's. */
  env?: NodeJS.ProcessEnv
  extendEnv?: boolean
  /** Fed to its standard input; without it the input is closed. */
  input?: string | Uint8Array | Readable
  timeoutMs?: number
}

export interface BufferedResult {
  exitCode: number | undefined
  /** The signal that ended it, if one did (a timeout). */
  signal?: string
  stdout: Buffer
  stderr: string
}

export async function runBuffered(file: string, args: string[], options: BufferedOptions = {}): Promise<BufferedResult> {
  const r = await execa(file, args, {
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    encoding: 'buffer',
    stripFinalNewline: false,
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
  })
  return {exitCode: r.exitCode, signal: r.signal, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr).toString('utf8')}
}
