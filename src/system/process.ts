// Is a process that recorded itself somewhere (lock, restart journal, helper label) still alive?
import {readFileSync} from 'node:fs'

export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else. Only ESRCH proves it is gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** Field 22 of /proc/<pid>/stat (Linux): tells a reused pid from the original; undefined elsewhere. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
