// backup_volume's restore against fake Docker operations: what is checked before anything is
// stopped, what happens while stopped, and the refusals. The real engine is exercised by
// test/integration/restore-volumes.test.ts.
import {expect} from 'chai'
import {createReadStream} from 'node:fs'
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'
import zlib from 'node:zlib'
import {create} from 'tar'

import type {BackupItem, ContainerRef, DockerOps, RestoreOptions, RunContext, StoredArtifact} from 'backupbot'

import {volumesScheme as scheme} from '../src/index.js'
import type {VolumeItemData} from '../src/plan.js'
import {firstEntry} from '../src/tar-root.js'
import {unused} from './fakes.js'

const users: ContainerRef[] = [
  {id: '1', name: 'p_web_1', running: true, service: 'web'},
  {id: '2', name: 'p_old_1', running: false},
]

function item(data: Partial<VolumeItemData> = {}): BackupItem<VolumeItemData> {
  return {
    service: 'web',
    scheme: 'backup_volume',
    folder: 'named_volumes',
    name: 'data',
    source: 'volume p_data at /var/lib/app',
    extension: '.tar.gz',
    data: {volume: 'p_data', mountPoint: '/var/lib/app', stop: true, helperImage: 'helper:1', ...data},
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('restoring a volume (fake engine)', function () {
  let dir: string
  let events: string[]
  let volumes: Record<string, {empty: boolean}>
  let tools: Record<string, string[]>
  let written: Buffer | undefined
  let docker: DockerOps
  let ctx: RunContext

  /** A .tar.gz whose entries start with `top` (as backup's archive API path makes them). */
  async function artifact(top = 'app', options: {file?: string; gzip?: boolean} = {}): Promise<StoredArtifact> {
    const root = await mkdtemp(path.join(dir, 'src-'))
    await mkdir(path.join(root, top, 'sub'), {recursive: true})
    await writeFile(path.join(root, top, 'sub', 'a.txt'), 'hello\n')
    await chmod(path.join(root, top), 0o750)
    const gzip = options.gzip ?? true
    const file = path.join(root, options.file ?? (gzip ? 'data.tar.gz' : 'data.tar'))
    await create({gzip, cwd: root, file, portable: false}, [top])
    return {
      file,
      number: 1,
      manifest: {},
      open: () => createReadStream(file),
      content: () => (gzip ? createReadStream(file).pipe(createGunzip()) : createReadStream(file)),
    }
  }

  const opts = (o: Partial<RestoreOptions> = {}): RestoreOptions => ({force: false, dryRun: false, devices: false, ...o})

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-vol-restore-'))
  })

  after(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  beforeEach(function () {
    events = []
    written = undefined
    volumes = {p_data: {empty: true}, other: {empty: true}}
    tools = {'svc-image': ['tar'], 'helper:1': ['tar', 'find']}
    docker = {
      serviceContainers: async () => [],
      exec: unused,
      async volumeUsers(volume) {
        events.push(`users ${volume}`)
        return volume === 'p_data' ? users : []
      },
      async withStopped(containers, work) {
        events.push(`stop ${containers.filter((c) => c.running).map((c) => c.name).join(',')}`)
        try {
          return await work()
        } finally {
          events.push('start')
        }
      },
      readVolume: unused,
      runWithVolume: unused,
      async serviceImage(service) {
        events.push(`image of ${service}`)
        return 'svc-image'
      },
      async imageHasTool(image, tool) {
        events.push(`has ${image} ${tool}`)
        return tools[image]?.includes(tool) ?? false
      },
      hostPathUsers: unused,
      async volumeExists(volume) {
        events.push(`exists ${volume}`)
        return volume in volumes
      },
      async createVolume(volume) {
        events.push(`create ${volume}`)
        volumes[volume] = {empty: true}
      },
      async volumeIsEmpty(volume, {image}) {
        events.push(`empty? ${volume} ${image}`)
        return volumes[volume]!.empty
      },
      async emptyVolume(volume, {image}) {
        events.push(`empty ${volume} ${image}`)
        volumes[volume]!.empty = true
      },
      async writeVolume(volume, mountPoint, tar, {image}) {
        events.push(`write ${volume} ${mountPoint} ${image}`)
        written = await collect(tar)
      },
    }
    ctx = {
      project: {name: 'p', directory: '/p', configFiles: [], services: {}, volumes: {}, warnings: []},
      log: {info() {}, debug() {}, warn() {}},
      signal: new AbortController().signal,
      docker,
      archive: {packPath: () => Readable.from([]), gzip: () => zlib.createGzip(), extract: unused},
    }
  })

  it('writes the decompressed tar into the empty volume while its users are stopped, everything else done first', async function () {
    const stored = await artifact()
    const report = await scheme.restore!(ctx, item(), stored, opts())
    expect(report).to.deep.equal({destination: 'volume p_data', stopped: ['p_web_1'], replaced: false})
    expect(written!.equals(await collect(stored.content()))).to.equal(true)
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
    const error = await scheme.restore!(ctx, item(), await artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.equal('volume p_data is not empty: use --force to replace its content exactly, or --to another volume')
    expect(events.some((e) => e.startsWith('stop') || e.startsWith('write') || e.startsWith('empty '))).to.equal(false)
  })

  it('refuses the same way with --dry-run', async function () {
    volumes.p_data!.empty = false
    const error = await scheme.restore!(ctx, item(), await artifact(), opts({dryRun: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not empty')
  })

  it('with --force empties the volume in an image that has find (the helper here), then writes it', async function () {
    volumes.p_data!.empty = false
    const report = await scheme.restore!(ctx, item(), await artifact(), opts({force: true}))
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
    const error = await scheme.restore!(ctx, item(), await artifact(), opts({force: true})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('has "find"')
    expect(events.some((e) => e.startsWith('stop'))).to.equal(false)
  })

  it('reports with --dry-run what it would stop and replace, and touches nothing', async function () {
    volumes.p_data!.empty = false
    const report = await scheme.restore!(ctx, item(), await artifact(), opts({dryRun: true, force: true}))
    expect(report).to.deep.equal({destination: 'volume p_data', stopped: ['p_web_1'], replaced: true})
    expect(events.some((e) => /^(stop|write|empty |create)/.test(e))).to.equal(false)
  })

  it('refuses when a user wrote into the volume before it was stopped, and starts it again', async function () {
    let checks = 0
    docker.volumeIsEmpty = async () => ++checks === 1
    const error = await scheme.restore!(ctx, item(), await artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('is not empty')
    expect(events.at(-1)).to.equal('start')
    expect(written).to.equal(undefined)
  })

  it('creates a missing --to volume (only for real) and stops nothing for it', async function () {
    const dry = await scheme.restore!(ctx, item(), await artifact(), opts({to: 'fresh', dryRun: true}))
    expect(dry).to.deep.equal({destination: 'volume fresh', stopped: [], replaced: false})
    expect(events).not.to.include('create fresh')
    events.length = 0
    await scheme.restore!(ctx, item(), await artifact(), opts({to: 'fresh'}))
    expect(events).to.deep.equal(['exists fresh', 'image of web', 'create fresh', 'stop ', 'empty? fresh svc-image', 'write fresh /var/lib/app svc-image', 'start'])
  })

  it('refuses a --to that is not a volume name', async function () {
    const error = await scheme.restore!(ctx, item(), await artifact(), opts({to: './elsewhere'})).catch((e: Error) => e)
    expect((error as Error).message).to.contain('give a volume name')
    expect(events).to.deep.equal([])
  })

  it('mounts the volume where the archive top directory lands when the mount point changed since', async function () {
    await scheme.restore!(ctx, item(), await artifact('data'), opts())
    expect(events).to.include('write p_data /var/lib/data svc-image')
  })

  it('restores a plain .tar too', async function () {
    await scheme.restore!(ctx, item(), await artifact('app', {gzip: false}), opts())
    expect(events).to.include('write p_data /var/lib/app svc-image')
  })

  it('refuses an archive made with a custom command, saying how to restore it by hand', async function () {
    const error = await scheme.restore!(ctx, item({argv: ['tar', '-czf', '-', '/var/lib/app']}), await artifact(), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.match(/made by the custom command "tar -czf - \/var\/lib\/app": restore it by hand/)
    expect((error as Error).message).to.match(/docker run --rm -i --network none -v p_data:\/var\/lib\/app helper:1 tar -xzpf - -C \/ < .*data\.tar\.gz$/)
    expect(events).to.deep.equal([])
  })

  it('refuses an archive whose entries do not start with one directory', async function () {
    const error = await scheme.restore!(ctx, item(), await artifact('var/lib/app'), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('its first entry is "var/lib/app/"').and.to.contain('restore it by hand')
    expect(events.some((e) => e.startsWith('stop'))).to.equal(false)
  })

  it('refuses an artifact that is not a tar', async function () {
    const error = await scheme.restore!(ctx, item(), await artifact('app', {file: 'data.tar.zst', gzip: false}), opts()).catch((e: Error) => e)
    expect((error as Error).message).to.contain('it is not a .tar or .tar.gz')
  })
})

describe('the first entry of a tar stream', function () {
  let dir: string

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bb-tar-root-'))
  })

  after(async function () {
    await rm(dir, {recursive: true, force: true})
  })

  it('reads a long name from its PAX header', async function () {
    const long = 'd'.repeat(150)
    await mkdir(path.join(dir, long))
    await writeFile(path.join(dir, long, 'f'), 'x')
    const tar = create({cwd: dir, portable: true}, [long]) as unknown as Readable
    expect(await firstEntry(Readable.from(tar))).to.deep.equal({name: `${long}/`, type: '5'})
  })

  it('is undefined for an empty archive and fails on something else', async function () {
    expect(await firstEntry(Readable.from([Buffer.alloc(1024)]))).to.equal(undefined)
    const error = await firstEntry(Readable.from([Buffer.alloc(512, 'x')])).catch((e: Error) => e)
    expect((error as Error).message).to.contain('not a tar archive')
  })
})
