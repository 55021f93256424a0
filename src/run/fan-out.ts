// One item read once and written to several stores at the same time (a local tree for fast
// restores and an off-site copy: the 3-2-1 rule in one run). Each store writes from its own
// stream; a store that fails (a full disk) drops out while the others go on; the data's
// producer fails only when every store has.
import {Writable} from 'node:stream'

import {errorMessage} from '../errors.js'

/** How a store takes part: it calls `sink` with the stream it writes from, and settles when it has the version (or not). */
export type OpenBranch<T> = (sink: (input: Writable) => Promise<void>) => Promise<T>

/**
 * Opens every branch, then runs `produce` into one stream whose bytes go to each branch still
 * alive. A branch's `sink` promise resolves once `produce` has resolved and the branch's input has
 * every byte, and rejects with `produce`'s error, so that a failed or interrupted item leaves
 * nothing anywhere (also when it fails after its data ended).
 * Resolves with each branch's outcome, in order.
 */
export async function fanOut<T>(branches: Array<OpenBranch<T>>, produce: (out: Writable) => Promise<void>): Promise<Array<PromiseSettledResult<T>>> {
  const inputs: Array<{stream: Writable; finish(error?: Error): void; dead: boolean} | undefined> = branches.map(() => undefined)
  const registered = branches.map(() => deferred())
  const results = branches.map((open, i) =>
    open(
      (stream) =>
        new Promise<void>((resolve, reject) => {
          const input = {stream, dead: false, finish: (error?: Error) => (error ? reject(error) : resolve())}
          // A store whose stream fails drops out; its write ends with that error (nothing of it is kept).
          stream.once('error', (error: Error) => {
            input.dead = true
            input.finish(error)
          })
          stream.once('close', () => {
            if (stream.writableFinished) return
            input.dead = true
            input.finish(new Error('the store closed its stream before the data ended'))
          })
          inputs[i] = input
          registered[i]!.resolve()
        }),
    ),
  )
  // A branch that fails before it asks for data (its store cannot start a version) takes no part.
  results.forEach((result, i) => result.catch(() => registered[i]!.resolve()))
  await Promise.all(registered.map((r) => r.promise))
  // No store can take a version: reading the data (stopping containers for it) would be for nothing.
  if (inputs.every((input) => input === undefined)) return Promise.allSettled(results)

  const live = () => inputs.filter((input) => input && !input.dead && !input.stream.writableEnded) as Array<NonNullable<(typeof inputs)[number]>>
  const fan = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const targets = live()
      if (targets.length === 0) return callback(new Error(`no store could take the data: ${failures()}`))
      let waiting = 0
      const wrote = () => --waiting === 0 && callback()
      for (const target of targets) {
        if (target.stream.write(chunk)) continue
        waiting++
        // A store that fails while full must not hold the others back.
        const go = () => {
          target.stream.off('drain', go).off('close', go)
          wrote()
        }
        target.stream.once('drain', go).once('close', go)
      }
      if (waiting === 0) callback()
    },
    // The data is complete, but not yet good: the producer may still fail (a dump's exit code is
    // known only after its output ended). The stores keep it only once produce resolves.
    final(callback) {
      for (const target of live()) target.stream.end()
      callback()
    },
  })
  const failures = () => inputs.map((input, i) => (input?.dead ? `store ${i + 1} failed` : undefined)).filter(Boolean).join(', ') || 'none took part'

  // Its errors are the item's, reported through produce or `broken`: never an unhandled 'error'.
  fan.on('error', () => {})
  // Destroyed before it ended (an interrupt): the item is over, whether or not the producer noticed.
  const broken = new Promise<never>((_resolve, reject) => {
    fan.once('close', () => !fan.writableFinished && reject(fan.errored ?? new Error('the data stream was closed before it ended')))
  })
  broken.catch(() => {})
  try {
    const produced = produce(fan)
    produced.catch(() => {})
    await Promise.race([produced, broken])
    if (!fan.writableEnded) fan.end()
    await Promise.race([
      new Promise<void>((resolve) => (fan.writableFinished ? resolve() : fan.once('finish', resolve))),
      broken,
    ])
    for (const input of inputs) if (input && !input.dead) input.finish()
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(errorMessage(error))
    for (const input of inputs) input?.finish(cause)
  }
  return Promise.allSettled(results)
}

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return {promise, resolve}
}
