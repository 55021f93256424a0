// The metrics file is replaced whole: written under a temporary name in its own directory, then
// renamed over the old one, so that node-exporter's textfile collector (which reads *.prom only)
// never reads half a file.
import {randomBytes} from 'node:crypto'
import {chmod, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

/** Readable by the exporter's user, whatever the umask. */
const MODE = 0o644

export async function writeMetricsFile(file: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await writeFile(temporary, content, {mode: MODE})
    await chmod(temporary, MODE)
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
}
