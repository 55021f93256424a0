// How large a plain tar of a host file or directory will be, measured before it is read: the
// spool (src/run/spool.ts) asks, before any container is stopped, whether its file system has
// room for an item's data. Only metadata is read (lstat, readdir), never file contents.
import type {Dirent} from 'node:fs'
import {lstat, readdir} from 'node:fs/promises'
import path from 'node:path'

const BLOCK = 512
/** ustar holds names up to 100 bytes; a longer one gets an extended header (a header and the name's blocks). */
const SHORT_NAME = 100
/** Two zero blocks end a tar; writers may pad it to a record of 20 blocks. */
const TRAILER = 20 * BLOCK

const blocks = (bytes: number) => Math.ceil(bytes / BLOCK) * BLOCK

/**
 * The bytes a tar of `source` takes, entries starting with its basename (as packPath and the
 * engine's archive API write them): a header per entry, regular files' contents padded to
 * 512-byte blocks, extended headers for long names. Hard links and sparse files are counted in
 * full, so it errs on the large side. Stops counting once it passes `limit` (it then returns
 * more than `limit`). Entries that cannot be listed are left out: reading them would fail anyway.
 */
export async function tarSize(source: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
  const root = path.resolve(source)
  let total = TRAILER
  const stack: Array<{dir: string; name: string}> = []
  const count = (name: string, size: number) => {
    total += BLOCK + blocks(size)
    if (Buffer.byteLength(name) >= SHORT_NAME) total += BLOCK + blocks(Buffer.byteLength(name) + 1)
  }
  const top = await lstat(root)
  count(path.basename(root), top.isFile() ? top.size : 0)
  if (top.isDirectory()) stack.push({dir: root, name: path.basename(root)})
  while (stack.length > 0 && total <= limit) {
    const {dir, name} = stack.pop()!
    let entries: Dirent[]
    try {
      entries = await readdir(dir, {withFileTypes: true})
    } catch {
      continue
    }
    for (const entry of entries) {
      if (total > limit) break
      const entryName = `${name}/${entry.name}`
      if (entry.isDirectory()) {
        count(`${entryName}/`, 0)
        stack.push({dir: path.join(dir, entry.name), name: entryName})
      } else if (entry.isFile()) {
        const size = await lstat(path.join(dir, entry.name)).then((s) => s.size, () => 0)
        count(entryName, size)
      } else {
        count(entryName, 0)
      }
    }
  }
  return total
}
