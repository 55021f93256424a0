// tarSize: the size of a host path's tar told from metadata alone, checked against the tar the
// core's packPath really writes (the spool's room check relies on it erring on the large side).
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {link, mkdir, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {packPath} from '../../../src/archive/pack-path.js'
import {tarSize} from '../../../src/system/tree-size.js'
import {useTempDir} from '../../support/run-fakes.js'

async function packedBytes(path: string): Promise<number> {
  let bytes = 0
  for await (const chunk of packPath(path)) bytes += (chunk as Buffer).length
  return bytes
}

describe('tarSize', function () {
  const dir = useTempDir('bb-tree-size-')

  it('is at least the size of the tar packPath writes, and close to it', async function () {
    const root = join(dir(), 'data')
    await mkdir(join(root, 'nested', 'deeper'), {recursive: true})
    await writeFile(join(root, 'empty'), '')
    await writeFile(join(root, 'odd.bin'), randomBytes(1000))
    await writeFile(join(root, 'nested', 'big.bin'), randomBytes(3 * 1024 * 1024 + 7))
    for (let i = 0; i < 200; i++) await writeFile(join(root, 'nested', 'deeper', `f${i}.txt`), `file ${i}\n`)
    await writeFile(join(root, 'nested', `${'long-name-'.repeat(15)}.txt`), 'a long name needs an extended header\n')
    await symlink('odd.bin', join(root, 'link'))
    await link(join(root, 'odd.bin'), join(root, 'hard'))

    const estimate = await tarSize(root)
    const actual = await packedBytes(root)
    expect(estimate).to.be.at.least(actual)
    expect(estimate - actual).to.be.below(Math.max(actual * 0.05, 32 * 1024))
  })

  it('measures a single file', async function () {
    const file = join(dir(), 'one.sql')
    await writeFile(file, randomBytes(5000))
    expect(await tarSize(file)).to.be.at.least(await packedBytes(file))
  })

  it('stops counting once past the limit', async function () {
    const root = join(dir(), 'many')
    await mkdir(root)
    for (let i = 0; i < 50; i++) await writeFile(join(root, `f${i}`), randomBytes(10_000))
    const full = await tarSize(root)
    const capped = await tarSize(root, 20_000)
    expect(capped).to.be.above(20_000).and.below(full)
  })
})
