// A plain tar of a host file or directory, streamed (the core compresses it). Entries start with the path's basename (as the
// engine's archive API does), and keep modes, ownership, symlinks (not followed) and mtimes.
import {realpathSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'

import {Pack} from 'tar'

export interface PackOptions {
  /** Called for entries that no tar can hold (sockets): they are left out, never silently. */
  onSkip?: (entryPath: string, why: string) => void
}

export function packPath(source: string, options: PackOptions = {}): Readable {
  // A bind source may be a symlink to the real directory (Docker follows it): archive that.
  const absolute = realpathSync(path.resolve(source))
  const cwd = path.dirname(absolute)
  const pack = new Pack({
    cwd,
    portable: false,
    // Any read problem (permission denied, file vanished) fails the archive instead of
    // becoming a warning and a file quietly missing from the backup.
    strict: true,
    // We list the entries ourselves, depth first (see walk).
    noDirRecurse: true,
    filter(entryPath, stat) {
      if ('isSocket' in stat && stat.isSocket()) {
        options.onSkip?.(entryPath, 'socket')
        return false
      }
      return true
    },
  })
  void (async () => {
    try {
      for await (const entry of walk(cwd, path.basename(absolute))) pack.add(entry)
      pack.end()
    } catch (error) {
      pack.emit('error', error)
    }
  })()
  // A byte stream: a consumer's destroy reaches pack, and pack's errors reach the consumer.
  return Readable.from(pack, {objectMode: false})
}

/**
 * Depth-first and sorted, so a directory's entries follow it contiguously: GNU tar restores a
 * directory's mtime when it leaves it, and node-tar's own breadth-first order made it wrong.
 */
async function* walk(cwd: string, relative: string): AsyncGenerator<string> {
  yield relative
  let entries
  try {
    entries = await readdir(path.join(cwd, relative), {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return
    throw error
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = path.join(relative, entry.name)
    if (entry.isDirectory()) yield* walk(cwd, child)
    else yield child
  }
}
