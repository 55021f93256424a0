// One backup run as a child process of the daemon: a crash or a failure of the run ends the
// child, never the daemon. Its output goes line by line to the daemon's log.
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createInterface} from 'node:readline'

import {errorMessage} from '../errors.js'

export interface ChildExit {
  /** null when the child was killed by a signal or could not be started. */
  code: number | null
  signal: NodeJS.Signals | null
  seconds: number
  /** Why it could not be started (e.g. ENOENT). */
  error?: string
}

export interface RunningChild {
  /** Resolves (never rejects) once the child has ended and all its output was relayed. */
  exited: Promise<ChildExit>
  /** Sends it SIGTERM: a backup then starts the containers it stopped again and exits with 130. */
  terminate(): void
}

/** Starts `argv` (argv[0] is the program) with no standard input; each line it prints goes to `relay`. */
export function startChild(argv: string[], relay: (line: string) => void): RunningChild {
  const [file, ...args] = argv as [string, ...string[]]
  const started = Date.now()
  // Its own process group: a Ctrl-C on the daemon's terminal reaches the daemon alone, which
  // forwards one SIGTERM. The backup would take a second signal as "exit now".
  const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe'], detached: true})
  const relayed = [child.stdout, child.stderr].map((stream) => once(createInterface({input: stream, crlfDelay: Infinity}).on('line', relay), 'close'))
  const seconds = () => (Date.now() - started) / 1000
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (error) => resolve({code: null, signal: null, seconds: seconds(), error: errorMessage(error)}))
    child.once('close', (code, signal) => void Promise.all(relayed).then(() => resolve({code, signal, seconds: seconds()})))
  })
  return {
    exited,
    terminate: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
  }
}
