// Streaming sha256 of a file: bounded memory whatever the artifact's size. Shared with `verify`.
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {pipeline} from 'node:stream/promises'

export interface FileDigest {
  sha256: string
  bytes: number
}

/** Hex sha256 and byte count of a file's content. */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256')
  let bytes = 0
  await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk)
      bytes += chunk.length
    }
  })
  return {sha256: hash.digest('hex'), bytes}
}
