// Damaged and hostile artifacts through the real CLI: `verify` catches them, `restore` refuses
// them, and nothing is written (neither into the destination nor outside it).
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {cp, mkdir, readFile, rm, truncate, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {rawTarGz} from '../support/tar.js'
import {runCli} from '../support/cli.js'
import {type ComposeProject, startComposeProject} from '../support/compose.js'
import {requireEngine} from '../support/engine.js'
import {snapshotTree} from '../support/fs-compare.js'
import {fillSampleTree} from '../support/sample-tree.js'

const fixture = fileURLToPath(new URL('../fixtures/bind-project', import.meta.url))

describe('damaged and hostile artifacts', function () {
  let project: ComposeProject
  let target: string
  let itemDir: string
  let data: string
  const cli = (args: string[]) => runCli([...args, '--target', target], {cwd: project.dir, reject: false})

  /** A new version folder `data.<n>` holding `content`, with a manifest whose sha256 matches it. */
  async function plantVersion(n: number, content: Buffer): Promise<void> {
    const dir = path.join(itemDir, `data.${n}`)
    await mkdir(dir)
    await writeFile(path.join(dir, 'data.tar.gz'), content)
    const manifest = JSON.parse(await readFile(path.join(itemDir, 'data.1', 'manifest.json'), 'utf8'))
    const sha256 = createHash('sha256').update(content).digest('hex')
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({...manifest, sha256, bytes: content.length}))
  }

  before(async function () {
    await requireEngine()
    project = await startComposeProject(fixture, {prepare: (dir) => fillSampleTree(path.join(dir, 'data'))})
    target = path.join(project.dir, 'backups')
    itemDir = path.join(target, 'app', 'bind_mounts', 'data')
    data = path.join(project.dir, 'data')
    for (let i = 0; i < 3; i++) expect((await cli(['backup'])).exitCode).to.equal(0)
  })

  after(async function () {
    await project?.down()
  })

  it('verify passes sound versions and reads every check', async function () {
    const {exitCode, stdout} = await cli(['verify', '--all', '--json'])
    expect(exitCode).to.equal(0)
    const {items} = JSON.parse(stdout)
    expect(items.map((i: {version: number; checks: string[]}) => `${i.version}:${i.checks.join('+')}`)).to.deep.equal(['1:sha256+gzip+tar', '2:sha256+gzip+tar', '3:sha256+gzip+tar'])
  })

  it('catches one flipped byte: verify fails, restore refuses and changes nothing', async function () {
    const file = path.join(itemDir, 'data.1', 'data.tar.gz')
    const bytes = await readFile(file)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    await writeFile(file, bytes)
    const verify = await cli(['verify', '--json'])
    expect(verify.exitCode).to.equal(1)
    expect(JSON.parse(verify.stdout).items[0].error).to.contain('checksum mismatch')
    const before = await snapshotTree(data)
    const restore = await cli(['restore', 'app', 'data', '--force', '--json'])
    expect(restore.exitCode).to.equal(1)
    expect(JSON.parse(restore.stdout).items[0].error).to.contain('checksum mismatch')
    expect(await snapshotTree(data)).to.deep.equal(before)
  })

  it('catches a truncated artifact: verify fails, restore refuses', async function () {
    await truncate(path.join(itemDir, 'data.2', 'data.tar.gz'), 100)
    expect((await cli(['verify', '--version', '2'])).exitCode).to.equal(1)
    const restore = await cli(['restore', 'app', 'data', '--version', '2', '--to', path.join(project.dir, 'elsewhere')])
    expect(restore.exitCode).to.equal(1)
    expect(existsSync(path.join(project.dir, 'elsewhere'))).to.equal(false)
  })

  it('refuses an archive whose checksum matches but whose gzip is cut short', async function () {
    const good = await readFile(path.join(itemDir, 'data.3', 'data.tar.gz'))
    await plantVersion(4, good.subarray(0, good.length - 20))
    const verify = await cli(['verify', '--version', '4', '--json'])
    expect(verify.exitCode).to.equal(1)
    expect(JSON.parse(verify.stdout).items[0].checks).to.deep.equal(['sha256'])
  })

  for (const [name, entries, escaped] of [
    ['a "../" entry', [{path: 'data/', type: 'Directory' as const}, {path: 'data/../../escaped-dotdot.txt', type: 'File' as const, body: 'x'}], 'escaped-dotdot.txt'],
    ['an absolute path', [{path: 'data/', type: 'Directory' as const}, {path: '/tmp/bb-escaped-absolute.txt', type: 'File' as const, body: 'x'}], '/tmp/bb-escaped-absolute.txt'],
    [
      'a write through a symlink pointing outside',
      [
        {path: 'data/', type: 'Directory' as const},
        {path: 'data/link', type: 'SymbolicLink' as const, linkpath: '/tmp'},
        {path: 'data/link/bb-escaped-symlink.txt', type: 'File' as const, body: 'x'},
      ],
      '/tmp/bb-escaped-symlink.txt',
    ],
  ] as const) {
    it(`refuses a hostile archive with ${name}, writing nothing anywhere`, async function () {
      await rm(path.join(itemDir, 'data.5'), {recursive: true, force: true})
      await plantVersion(5, rawTarGz([...entries]))
      const verify = await cli(['verify', '--version', '5', '--json'])
      expect(verify.exitCode).to.equal(1)
      expect(JSON.parse(verify.stdout).items[0].error).to.match(/refusing archive entry|absolute|\.\./)
      const destination = path.join(project.dir, 'restored-hostile')
      const restore = await cli(['restore', 'app', 'data', '--version', '5', '--to', destination, '--force'])
      expect(restore.exitCode).to.equal(1)
      expect(existsSync(destination)).to.equal(false)
      const outside = path.isAbsolute(escaped) ? escaped : path.join(project.dir, '..', escaped)
      expect(existsSync(outside), outside).to.equal(false)
    })
  }

  it('still restores a sound version after all that', async function () {
    const destination = path.join(project.dir, 'restored-good')
    await cp(path.join(itemDir, 'data.3'), path.join(itemDir, 'data.6'), {recursive: true})
    const {exitCode, stderr} = await cli(['restore', 'app', 'data', '--version', '6', '--to', destination])
    expect(exitCode, stderr).to.equal(0)
    expect(await readFile(path.join(destination, 'a file with spaces.txt'), 'utf8')).to.equal('spaces are fine\n')
  })
})
