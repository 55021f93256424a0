// backup_volume's restore against a fake engine (backupbot/testing): what is checked before
// anything is stopped, what happens while stopped, and the refusals. The archive's layout comes
// from artifact.tar, the summary the core makes reading every entry before it calls restore.
// The real engine is exercised by test/integration/restore-volumes.test.ts.
import {expect} from 'chai'
import {Readable} from 'node:stream'

import type {ContainerRef, RestoreOptions, RunContext, StoredArtifact, TarSummary} from 'backupbot'
import {type FakeDockerOptions, fakeArtifact, fakeRunContext} from 'backupbot/testing'

import {volumesScheme as scheme} from '../src/index.js'
import type {VolumeItemData} from '../src/plan.js'
import {volumeEngine, volumeItem} from './engine.js'

const users: ContainerRef[] = [
  {id: '1', name: 'p_web_1', running: true, service: 'web'},
  {id: '2', name: 'p_old_1', running: false},
]
const item = (data: Partial<VolumeItemData> = {}) => volumeItem('/var/lib/app', data)

/** Stands for the tar the engine sent (restore passes it on as it is: the core has checked every entry). */
const TAR = Buffer.from('app/\0app/sub/\0app/sub/a.txt\0hello\n'.repeat(40))

/**
 * A stored archive as backup's archive API path makes it (entries start with `top`, a
 * directory), or as the core summarises another one (`tar`: null for an artifact it did not
 * read as a tar).
 */
function artifact(top = 'app', options: {file?: string; tar?: Partial<TarSummary> | null} = {}): StoredArtifact {
  const file = `/backups/web/named_volumes/data/data.1/${options.file ?? 'data.tar.gz'}`
  const tar = options.tar === null ? undefined : {root: top, rootKind: 'directory' as const, entries: 3, bytes: 6, ...options.tar}
  return fakeArtifact(TAR, {file, tar})
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('restoring a volume (fake engine)', function () {
  let events: string[]
  let volumes: Record<string, {empty: boolean}>
  let tools: Record<string, string[]>
  let written: Buffer | undefined
  let docker: FakeDockerOptions

  const context = (): RunContext => fakeRunContext({docker, scheme: 'backup_volume'}).ctx
  const opts = (o: Partial<RestoreOptions> = {}): RestoreOptions => ({force: false, dryRun: false, devices: false, ...o})

  beforeEach(function () {
    events = []
    written = undefined
    volumes = {p_data: {empty: true}, other: {empty: true}}
    tools = {'svc-image': ['tar'], 'helper:1': ['tar', 'find']}
    docker = {
      ...volumeEngine(events, {users, tools}),
      volumes: {
        async exists(volume) {
          events.push(`exists ${volume}`)
          return volume in volumes
        },
        async create(volume) {
          events.push(`create ${volume}`)
          volumes[volume] = {empty: true}
        },
        async isEmpty(volume, {image}) {
          events.push(`empty? ${volume} ${image}`)
          return volumes[volume]!.empty
        },
        async empty(volume, {image}) {
          events.push(`empty ${volume} ${image}`)
          volumes[volume]!.empty = true
        },
        async write(volume, mountPoint, tar, {image}) {
          events.push(`write ${volume} ${mountPoint} ${image}`)
          written = await read(tar)
        },
      },
    }
  })

  it('writes the decompressed tar into the empty volume while its users are stopped, everything else done first', async function () {
    const stored = artifact()
    const report = await scheme.restore!(context(), item(), stored, opts())
    expect(report).to.deep.equal({destination: 'volume p_data', stopped: ['p_web_1'], replaced: false})
    expect(written!.equals(await read(stored.content()))).to.equal(true)
    expect(written!.equals(TAR)).to.equal(true)
    expect(events).to.deep.equal([
      'exists p_data',
      'image of web',
      'empty? p_data svc-image',
      'users p_data',
      'stop p_web_1',
      'empty? p_data svc-image',
      'write p_data /var/lib/app svc-image',
      'start',
    ])
  })

  it('refuses a volume that is not empty without force, before stopping anything', async function () {
    volumes.p_data!.empty = false
    const error = await scheme.restore!(context(), item(), artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.equal('volume p_data is not empty: use --force to replace its content exactly, or --to another volume')
    expect(events.some((e) => e.startsWith('stop') || e.startsWith('write') || e.startsWith('empty '))).to.equal(false)
  })

  it('refuses the same way with --dry-run', async function () {
    volumes.p_data!.empty = false
    const error = await scheme.restore!(context(), item(), artifact(), opts({dryRun: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not empty')
  })

  it('with --force empties the volume in an image that has find (the helper here), then writes it', async function () {
    volumes.p_data!.empty = false
    const report = await scheme.restore!(context(), item(), artifact(), opts({force: true}))
    expect(report.replaced).to.equal(true)
    // The image with find is chosen before the stop.
    expect(events.indexOf('has helper:1 find')).to.be.lessThan(events.indexOf('stop p_web_1'))
    expect(events.slice(events.indexOf('stop p_web_1'))).to.deep.equal([
      'stop p_web_1',
      'empty? p_data svc-image',
      'empty p_data helper:1',
      'write p_data /var/lib/app svc-image',
      'start',
    ])
  })

  it('fails before stopping anything with --force when no image has find', async function () {
    volumes.p_data!.empty = false
    tools['helper:1'] = ['tar']
    const error = await scheme.restore!(context(), item(), artifact(), opts({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('has "find"')
    expect(events.some((e) => e.startsWith('stop'))).to.equal(false)
  })

  it('reports with --dry-run what it would stop and replace, and touches nothing', async function () {
    volumes.p_data!.empty = false
    const report = await scheme.restore!(context(), item(), artifact(), opts({dryRun: true, force: true}))
    expect(report).to.deep.equal({destination: 'volume p_data', stopped: ['p_web_1'], replaced: true})
    expect(events.some((e) => /^(stop|write|empty |create)/.test(e))).to.equal(false)
  })

  it('refuses when a user wrote into the volume before it was stopped, and starts it again', async function () {
    let checks = 0
    docker.volumes!.isEmpty = async () => ++checks === 1
    const error = await scheme.restore!(context(), item(), artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not empty')
    expect(events.at(-1)).to.equal('start')
    expect(written).to.equal(undefined)
  })

  it('creates a missing --to volume (only for real) and stops nothing for it', async function () {
    const dry = await scheme.restore!(context(), item(), artifact(), opts({to: 'fresh', dryRun: true}))
    expect(dry).to.deep.equal({destination: 'volume fresh', stopped: [], replaced: false})
    expect(events).not.to.include('create fresh')
    events.length = 0
    await scheme.restore!(context(), item(), artifact(), opts({to: 'fresh'}))
    expect(events).to.deep.equal(['exists fresh', 'image of web', 'create fresh', 'stop ', 'empty? fresh svc-image', 'write fresh /var/lib/app svc-image', 'start'])
  })

  it('refuses a --to that is not a volume name', async function () {
    const error = await scheme.restore!(context(), item(), artifact(), opts({to: './elsewhere'})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('give a volume name')
    expect(events).to.deep.equal([])
  })

  it('mounts the volume where the archive top directory lands when the mount point changed since', async function () {
    await scheme.restore!(context(), item(), artifact('data'), opts())
    expect(events).to.include('write p_data /var/lib/data svc-image')
  })

  it('takes a long top directory name as the core read it (from a PAX header)', async function () {
    const long = 'd'.repeat(150)
    await scheme.restore!(context(), item(), artifact(long), opts())
    expect(events).to.include(`write p_data /var/lib/${long} svc-image`)
  })

  it('restores a plain .tar too', async function () {
    await scheme.restore!(context(), item(), artifact('app', {file: 'data.tar'}), opts())
    expect(events).to.include('write p_data /var/lib/app svc-image')
  })

  it('refuses an archive made with a custom command, saying how to restore it by hand', async function () {
    const error = await scheme.restore!(context(), item({argv: ['tar', '-czf', '-', '/var/lib/app']}), artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.match(/made by the custom command "tar -czf - \/var\/lib\/app": restore it by hand/)
    expect((error as Error).message).to.match(/docker run --rm -i --network none -v p_data:\/var\/lib\/app helper:1 tar -xzpf - -C \/ < .*data\.tar\.gz$/)
    expect(events).to.deep.equal([])
  })

  it('refuses an archive whose entries do not start with one directory', async function () {
    // `tar -cf - var/lib/app` lists var/lib/app/ first, never var/ itself.
    const error = await scheme.restore!(context(), item(), artifact('var', {tar: {rootKind: undefined}}), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('its entries start with "var", which is not an entry of it').and.to.contain('restore it by hand')
    expect(events.some((e) => e.startsWith('stop'))).to.equal(false)
  })

  it('refuses an archive whose top entry is a file, not a directory', async function () {
    const error = await scheme.restore!(context(), item(), artifact('app', {tar: {rootKind: 'file', entries: 1}}), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('its entries start with "app", which is a file').and.to.contain('restore it by hand')
    expect(events).to.deep.equal([])
  })

  it('refuses an empty archive', async function () {
    const error = await scheme.restore!(context(), item(), artifact('', {tar: {rootKind: undefined, entries: 0, bytes: 0}}), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.match(/data\.tar\.gz is an empty archive: it holds not even the volume's top directory$/)
    expect(events).to.deep.equal([])
  })

  it('refuses an artifact that is not a tar', async function () {
    const error = await scheme.restore!(context(), item(), artifact('app', {file: 'data.tar.zst', tar: null}), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('it is not a .tar, .tar.gz or .tar.zst')
  })

  it('refuses, as not of the default layout, a .tar.gz the core did not summarise as a tar', async function () {
    const error = await scheme.restore!(context(), item(), artifact('app', {tar: null}), opts()).catch((e: Error) => e)
    expect((error as Error).message)
      .to.contain('backupbot restores only volume archives of the default layout, and it is not a .tar, .tar.gz or .tar.zst archive: restore it by hand')
      .and.to.match(/<the command that reverses it> < .*data\.tar\.gz$/)
    expect(events).to.deep.equal([])
  })
})
