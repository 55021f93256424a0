// A host hook: an argv list run without a shell (`run`), or a line for /bin/sh -c (`shell`), in the
// compose project's directory with the process's environment plus BACKUPBOT_*. node:child_process
// rather than execa: the hook gets its own process group, so that a timeout or an interrupt stops
// whatever it started (a shell's children too), and a Ctrl-C on the terminal reaches backupbot
// only, which decides what stops: an `after` hook keeps running.
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'

import {errorMessage} from '../../errors.js'
import {lastLines, readLines} from '../../system/streams.js'
import {type HookCall, limit} from './runner.js'

/** How long a hook has after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 5000

export async function runHostHook(call: HookCall): Promise<void> {
  const {hook} = call
  const argv = 'shell' in hook && typeof hook.shell === 'string' ? ['/bin/sh', '-c', hook.shell] : ('run' in hook ? hook.run : undefined) ?? []
  const [file, ...args] = argv
  if (!file) throw new Error('has no command (give run: [program, args...] or shell: line)')
  const child = spawn(file, args, {cwd: call.directory, env: {...process.env, ...call.env}, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  let killer: NodeJS.Timeout | undefined
  const limited = limit(call, () => {
    signalGroup(child, 'SIGTERM')
    killer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS)
  })
  const output = Promise.all([readLines(child.stdout!, call.onLine), readLines(child.stderr!, call.onLine)])
  output.catch(() => {})
  try {
    const [code, signal] = (await once(child, 'exit').catch((error: unknown) => {
      throw new Error(`cannot be started: ${errorMessage(error)}`)
    })) as [number | null, NodeJS.Signals | null]
    // Once the hook itself ended, what it left running in the background keeps no pipe waiting.
    const [, stderr] = await settleOutput(child, output)
    if (limited.stopped) {
      // What the hook started and that outlived it goes too: the whole hook was stopped.
      signalGroup(child, 'SIGKILL')
      throw new Error(`${limited.stopped}: stopped (SIGTERM, SIGKILL after ${KILL_GRACE_MS / 1000} s)`)
    }
    if (code !== 0) {
      const last = lastLines(stderr, 2)
      throw new Error(`${code === null ? `killed by ${signal}` : `exited with code ${code}`}${last ? `: ${last}` : ''}`)
    }
  } finally {
    limited.clear()
    clearTimeout(killer)
  }
}

/** The output read so far, waiting a moment for the rest, then closing the pipes. */
async function settleOutput(child: ChildProcess, output: Promise<[string, string]>): Promise<[string, string]> {
  const late = setTimeout(() => {
    child.stdout?.destroy()
    child.stderr?.destroy()
  }, 200)
  try {
    return await output.catch((): [string, string] => ['', ''])
  } finally {
    clearTimeout(late)
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // The negative pid: the hook's whole process group (it was started detached, as its leader).
    if (child.pid !== undefined) process.kill(-child.pid, signal)
  } catch {
    // The group ended already.
  }
}
