// backup_host_directories' restore with a fake engine and archive (backupbot/testing): where it restores,
// what it refuses before stopping anything, and what it stops. The core's extraction and the
// real engine are exercised by test/integration/restore-host-directories.test.ts.
import {expect} from 'chai'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import type {ContainerRef, RestoreOptions, RunContext, StoredArtifact} from 'backupbot'
import {fakeArtifact, fakeProject, fakeRunContext} from 'backupbot/testing'

import {hostDirectoriesScheme as scheme} from '../src/index.js'
import {resolveTo} from '../src/restore.js'
import {hostItem as item, hostPathEngine} from './engine.js'

describe('restoring a host directory (fake engine)', function () {
  let dir: string
  let events: string[]
  let ctx: RunContext
  let stored: StoredArtifact
  const users: ContainerRef[] = [
    {id: '1', name: 'p_app_1', running: true, service: 'app'},
    {id: '2', name: 'p_gone_1', running: false},
  ]

  const opts = (o: Partial<RestoreOptions> = {}): RestoreOptions => ({force: false, dryRun: false, devices: false, ...o})

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-host-restore-'))
    await mkdir(path.join(dir, 'data'))
    await mkdir(path.join(dir, 'empty'))
    await writeFile(path.join(dir, 'data', 'a.txt'), 'a')
    await writeFile(path.join(dir, 'file.conf'), 'x')
    events = []
    stored = fakeArtifact('', {file: '/backups/app/bind_mounts/data/data.1/data.tar.gz', tar: {root: 'data', rootKind: 'directory', entries: 2, bytes: 1}})
    ctx = fakeRunContext({
      project: fakeProject([], {directory: dir}),
      docker: hostPathEngine(events, users),
      archive: {
        async extract(artifact, destination, options) {
          events.push(`extract ${artifact.number} ${destination} replace=${options.replace} devices=${options.devices}`)
        },
      },
    }).ctx
  })

  afterEach(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  it('extracts into an empty source directory while the containers that bind-mount it are stopped', async function () {
    const report = await scheme.restore!(ctx, item(path.join(dir, 'empty')), stored, opts())
    expect(report).to.deep.equal({destination: path.join(dir, 'empty'), stopped: ['p_app_1'], replaced: false})
    expect(events).to.deep.equal([`users ${dir}/empty`, 'stop p_app_1', `extract 1 ${dir}/empty replace=false devices=false`, 'start'])
  })

  it('restores into a missing destination', async function () {
    const report = await scheme.restore!(ctx, item(path.join(dir, 'gone')), stored, opts())
    expect(report.replaced).to.equal(false)
    expect(events).to.include(`extract 1 ${dir}/gone replace=false devices=false`)
  })

  it('refuses a non-empty directory or an existing file without force, before stopping anything', async function () {
    for (const target of ['data', 'file.conf']) {
      const error = await scheme.restore!(ctx, item(path.join(dir, target)), stored, opts()).catch((e: Error) => e)
      expect((error as Error).message).to.equal(`${path.join(dir, target)} is not empty: use --force to replace it exactly (files not in the archive are removed), or --to another path`)
    }
    expect(events).to.deep.equal([])
  })

  it('refuses the same way with --dry-run, and with --force reports without touching anything', async function () {
    const error = await scheme.restore!(ctx, item(path.join(dir, 'data')), stored, opts({dryRun: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not empty')
    const report = await scheme.restore!(ctx, item(path.join(dir, 'data')), stored, opts({dryRun: true, force: true}))
    expect(report).to.deep.equal({destination: path.join(dir, 'data'), stopped: ['p_app_1'], replaced: true})
    expect(events).to.deep.equal([`users ${dir}/data`])
  })

  it('replaces with --force and passes --devices on', async function () {
    const report = await scheme.restore!(ctx, item(path.join(dir, 'data')), stored, opts({force: true, devices: true}))
    expect(report.replaced).to.equal(true)
    expect(events).to.include(`extract 1 ${dir}/data replace=true devices=true`)
  })

  it('resolves --to against the project directory, and stops the containers that see that path instead', async function () {
    await scheme.restore!(ctx, item(path.join(dir, 'data')), stored, opts({to: './copy'}))
    expect(events[0]).to.equal(`users ${dir}/copy`)
    expect(events).to.include(`extract 1 ${dir}/copy replace=false devices=false`)
    expect(resolveTo('/abs/x', dir)).to.equal('/abs/x')
    expect(resolveTo('~/x', dir)).to.equal(path.join(os.homedir(), 'x'))
  })

  it('refuses / and a folder that holds the backup being restored, even with --force', async function () {
    for (const to of ['/', '/backups/app']) {
      const error = await scheme.restore!(ctx, item(path.join(dir, 'data')), stored, opts({to, force: true})).catch((e: Error) => e)
      expect((error as Error).message).to.match(/^refusing to restore into/)
    }
    expect(events).to.deep.equal([])
  })

  it('starts the containers again and fails when the extraction fails', async function () {
    ctx.archive.extract = async () => {
      throw new Error('hostile entry ../x')
    }
    const error = await scheme.restore!(ctx, item(path.join(dir, 'empty')), stored, opts()).catch((e: Error) => e)
    expect((error as Error).message).to.equal('hostile entry ../x')
    expect(events.at(-1)).to.equal('start')
  })
})
