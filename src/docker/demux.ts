// Splits the engine's multiplexed exec/attach stream into stdout and stderr.
import {PassThrough} from 'node:stream'
import type Docker from 'dockerode'

export interface Demuxed {
  stdout: PassThrough
  stderr: PassThrough
  /** Resolves when the engine ended the stream (all output handed to stdout/stderr); rejects if it broke. */
  ended: Promise<void>
}

type Source = NodeJS.ReadableStream & {destroy(error?: Error): void}

/**
 * `modem.demuxStream` ignores write()'s return value, so its writes to stdout go through a gate
 * that pauses the engine's stream while stdout is full: a slow consumer then slows the command
 * down instead of filling memory. stderr has no such gate on purpose: it carries diagnostics
 * that callers often only collect at the end, and a full stderr must never stall a backup while
 * containers are stopped.
 */
export function demux(docker: Docker, source: Source, highWaterMark = 1024 * 1024): Demuxed {
  const stdout = new PassThrough({highWaterMark})
  const stderr = new PassThrough()
  let paused = false
  const gatedStdout = {
    write(chunk: Buffer): boolean {
      if (stdout.destroyed) return true
      if (!stdout.write(chunk) && !paused) {
        paused = true
        source.pause()
        stdout.once('drain', () => {
          paused = false
          source.resume()
        })
      }
      return true
    },
  }
  const safeStderr = {write: (chunk: Buffer) => (stderr.destroyed ? true : stderr.write(chunk))}
  docker.modem.demuxStream(source, gatedStdout as unknown as NodeJS.WritableStream, safeStderr as unknown as NodeJS.WritableStream)

  const ended = new Promise<void>((resolve, reject) => {
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      if (error) {
        // An 'error' event nobody listens to would crash the process (with containers stopped):
        // only streams with a listener get the error; the others just close early. `ended`
        // (and so exitCode) carries it in every case.
        for (const out of [stdout, stderr]) out.destroy(out.listenerCount('error') > 0 ? error : undefined)
        reject(error)
      } else {
        stdout.end()
        stderr.end()
        resolve()
      }
    }
    source.once('end', () => finish())
    source.once('error', (error: Error) => finish(error))
    source.once('close', () => finish(new Error('the connection to the Docker engine closed before the command ended')))
    // The consumer gave up on the output (an interrupt): stop the transfer.
    stdout.once('close', () => {
      if (!settled) {
        finish(new Error('the output was closed before the command ended'))
        source.destroy()
      }
    })
  })
  ended.catch(() => {}) // callers observe it through exitCode; never an unhandled rejection
  return {stdout, stderr, ended}
}
