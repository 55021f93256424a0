// Small filesystem helpers for crash safety: a rename or a new file is only durable once the
// file and its directory have been fsynced.
import {lstat, open} from 'node:fs/promises'

/** fsyncs a file's content. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** fsyncs a directory so that the entries created/renamed in it survive a power loss. */
export async function fsyncDir(path: string): Promise<void> {
  let handle
  try {
    handle = await open(path, 'r')
    await handle.sync()
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory: nothing more we can do there.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
  } finally {
    await handle?.close()
  }
}

/** Whether anything (file, dir, dangling symlink) exists at path. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}
