import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {readFile, readdir, stat} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'

import {writeVersion} from '../../../src/target/write-version.js'
import {MANIFEST_SOURCE, sortedEntries, useTempDir} from '../../support/temp-dir.js'

const child = fileURLToPath(new URL('kill-child.ts', import.meta.url))

describe('a run killed with SIGKILL in the middle of writing', () => {
  const tmp = useTempDir()

  it('leaves earlier versions intact and no extra version, and the next write cleans up after it', async function () {
    this.timeout(30_000)
    const itemDir = join(tmp(), 'db', 'bind_mounts', 'data')
    const write = (text: string) =>
      writeVersion({itemDir, item: 'data', extension: '.tar.gz', manifest: MANIFEST_SOURCE, write: async (out) => void out.end(text)})
    await write('first')
    await write('second')

    const proc = spawn(process.execPath, ['--import', 'tsx', child, itemDir], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    proc.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)))
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d) => String(d).includes('writing') && resolve())
      proc.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)))
    })

    // Mid-write: a temp dir holds a partial artifact.
    const temps = (await readdir(itemDir)).filter((n) => n.startsWith('.tmp-'))
    expect(temps).to.have.length(1)
    expect((await stat(join(itemDir, temps[0], 'data.tar.gz'))).size).to.be.greaterThan(0)

    proc.kill('SIGKILL')
    expect(await exited).to.equal('SIGKILL')

    expect(await sortedEntries(itemDir)).to.deep.equal([temps[0], 'data.1', 'data.2'])
    expect(await readFile(join(itemDir, 'data.1', 'data.tar.gz'), 'utf8')).to.equal('second')
    expect(await readFile(join(itemDir, 'data.2', 'data.tar.gz'), 'utf8')).to.equal('first')

    await write('third')
    expect(await sortedEntries(itemDir)).to.deep.equal(['data.1', 'data.2', 'data.3'])
    const contents = await Promise.all([1, 2, 3].map((n) => readFile(join(itemDir, `data.${n}`, 'data.tar.gz'), 'utf8')))
    expect(contents).to.deep.equal(['third', 'second', 'first'])
  })
})
