// The processes on this machine as /proc shows them: their command lines (where a password must
// never be) and their parents (to find the programs a backupbot process started).
import {readFile, readdir} from 'node:fs/promises'

export interface ProcessEntry {
  pid: string
  cmdline: string[]
}

/** Every process with a command line (kernel threads have none), as it is at this moment. */
export async function procEntries(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const raw = await readFile(`/proc/${pid}/cmdline`).catch(() => undefined)
    if (raw && raw.length > 0) entries.push({pid, cmdline: raw.toString('utf8').split('\0').filter(Boolean)})
  }

  return entries
}

/** A process's state letter (`R`, `S`, `Z` for a zombie, ...) and parent, or undefined once it is gone. */
export async function processStat(pid: string | number): Promise<{state: string; ppid: number} | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so from the last `)`.
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {state: state!, ppid: Number(ppid)}
}

/** Whether the process has ended (gone, or a zombie nobody reaped yet). */
export async function processEnded(pid: string | number): Promise<boolean> {
  const stat = await processStat(pid)
  return stat === undefined || stat.state === 'Z'
}
