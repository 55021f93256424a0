// tar.gz of a host file or directory, streamed. Entries start with the path's basename (as the
// engine's archive API does), and keep modes, ownership, symlinks (not followed) and mtimes.
import path from 'node:path'
import {Readable} from 'node:stream'

import {create} from 'tar'

export interface PackOptions {
  /** Called for entries that no tar can hold (sockets): they are left out, never silently. */
  onSkip?: (entryPath: string, why: string) => void
  gzipLevel?: number
}

export function packPath(source: string, options: PackOptions = {}): Readable {
  const absolute = path.resolve(source)
  const pack = create(
    {
      cwd: path.dirname(absolute),
      gzip: {level: options.gzipLevel ?? 6},
      portable: false,
      // Any read problem (permission denied, file vanished) fails the archive instead of
      // becoming a warning and a file quietly missing from the backup.
      strict: true,
      filter(entryPath, stat) {
        if ('isSocket' in stat && stat.isSocket()) {
          options.onSkip?.(entryPath, 'socket')
          return false
        }
        return true
      },
    },
    [path.basename(absolute)],
  )
  return Readable.from(pack, {objectMode: false})
}
