// Child process for kill.test.ts: starts a writeVersion whose `write` never finishes, says
// "writing" once bytes are on disk, and waits to be SIGKILLed.
import {writeVersion} from '../../../src/target/write-version.js'
import {MANIFEST_SOURCE} from '../../support/temp-dir.js'

const itemDir = process.argv[2]
setInterval(() => {}, 1000) // keep the process alive while `write` hangs

await writeVersion({
  itemDir,
  item: 'data',
  extension: '.tar.gz',
  manifest: MANIFEST_SOURCE,
  async write(out) {
    out.write(Buffer.alloc(256 * 1024, 1))
    await new Promise((resolve) => setTimeout(resolve, 200)) // let the bytes reach the file
    process.stdout.write('writing\n')
    await new Promise(() => {})
  },
})
