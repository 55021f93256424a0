import {deepStrictEqual, equal, throws} from 'node:assert/strict'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {ConfigError} from '../../../src/errors.js'
import type {VolumeModel} from '../../../src/config/compose/model.js'
import {mountTarget, normaliseMount, splitShortSyntax, topLevelVolumes} from '../../../src/config/compose/volumes.js'

const projectDir = '/srv/app'
const volumes: Record<string, VolumeModel> = {
  data: {name: 'app_data', external: false},
  shared: {name: 'shared', external: true},
}
const ctx = {file: '/srv/app/compose.yaml', path: 'services.web.volumes[0]', projectDir, volumes}
const mount = (entry: unknown) => normaliseMount(entry, ctx)

describe('normaliseMount with the short syntax', () => {
  it('resolves ./rel, ../x and . against the project directory', () => {
    deepStrictEqual(mount('./html:/usr/share/nginx/html'), {type: 'bind', source: '/srv/app/html', target: '/usr/share/nginx/html', readOnly: false, backedUp: true})
    equal(mount('../shared/conf:/conf').source, '/srv/shared/conf')
    equal(mount('.:/code').source, '/srv/app')
  })

  it('keeps an absolute host path, without a trailing slash, and reads the ro mode', () => {
    deepStrictEqual(mount('/etc/pihole/:/etc/pihole/:ro'), {type: 'bind', source: '/etc/pihole', target: '/etc/pihole/', readOnly: true, backedUp: true})
    equal(mount('/a:/b:ro,z').readOnly, true)
    equal(mount('/a:/b:rw').readOnly, false)
  })

  it('expands ~ to the home directory', () => {
    equal(mount('~/minecraft_data:/data').source, join(homedir(), 'minecraft_data'))
    equal(mount('~:/home').source, homedir())
  })

  it('rejects ~user paths rather than guessing', () => {
    throws(() => mount('~bob/x:/x'), /only ~ and ~\/ are expanded/)
  })

  it('treats an empty source, as left by ${UNSET}:/media/, as the project directory', () => {
    deepStrictEqual(mount(':/media/'), {type: 'bind', source: projectDir, target: '/media/', readOnly: false, backedUp: true})
  })

  it('maps a named volume to its engine name', () => {
    deepStrictEqual(mount('data:/var/lib/mysql'), {type: 'volume', source: 'data', target: '/var/lib/mysql', readOnly: false, volumeName: 'app_data', backedUp: true})
    deepStrictEqual(mount('shared:/s:rw'), {type: 'volume', source: 'shared', target: '/s', readOnly: false, volumeName: 'shared', backedUp: true})
    equal(mount('data:/x:ro').readOnly, true)
  })

  it('marks an anonymous volume as not backed up', () => {
    deepStrictEqual(mount('/usr/src/app/node_modules'), {
      type: 'anonymous',
      target: '/usr/src/app/node_modules',
      readOnly: false,
      backedUp: false,
      reason: 'anonymous volume: not backed up',
    })
  })

  it('rejects a named volume missing from the top-level volumes, naming file, path and volume', () => {
    throws(() => mount('cache:/cache'), (error: unknown) => {
      equal(error instanceof ConfigError, true)
      const e = error as ConfigError
      equal(e.file, '/srv/app/compose.yaml')
      equal(e.path, 'services.web.volumes[0]')
      equal(e.message.includes('"cache"'), true)
      return true
    })
  })

  it('does not mistake an inherited object property for a declared volume', () => {
    throws(() => mount('constructor:/x'), ConfigError)
    throws(() => mount('__proto__:/x'), ConfigError)
  })

  it('rejects an entry without a container path', () => {
    throws(() => mount('./x:'), /no container path/)
  })
})

describe('normaliseMount with the long syntax', () => {
  it('resolves a relative bind source and reads read_only', () => {
    deepStrictEqual(mount({type: 'bind', source: './proxy/nginx.conf', target: '/etc/nginx/conf.d/default.conf', read_only: true}), {
      type: 'bind',
      source: '/srv/app/proxy/nginx.conf',
      target: '/etc/nginx/conf.d/default.conf',
      readOnly: true,
      backedUp: true,
    })
    equal(mount({type: 'bind', source: 'relative/dir', target: '/x'}).source, '/srv/app/relative/dir')
  })

  it('maps a named volume and treats a volume without source as anonymous', () => {
    deepStrictEqual(mount({type: 'volume', source: 'data', target: '/d'}), {type: 'volume', source: 'data', target: '/d', readOnly: false, volumeName: 'app_data', backedUp: true})
    deepStrictEqual(mount({type: 'volume', target: '/d'}), {type: 'anonymous', target: '/d', readOnly: false, backedUp: false, reason: 'anonymous volume: not backed up'})
  })

  it('marks tmpfs and npipe mounts as not backed up', () => {
    deepStrictEqual(mount({type: 'tmpfs', target: '/run', tmpfs: {size: 1000}}), {type: 'tmpfs', target: '/run', readOnly: false, backedUp: false, reason: 'tmpfs: nothing to back up'})
    const pipe = mount({type: 'npipe', source: '\\\\.\\pipe\\docker_engine', target: '\\\\.\\pipe\\docker_engine'})
    equal(pipe.type, 'npipe')
    equal(pipe.backedUp, false)
  })

  it('infers the type when it is left out', () => {
    equal(mount({source: './x', target: '/x'}).type, 'bind')
    equal(mount({source: 'data', target: '/x'}).type, 'volume')
    equal(mount({target: '/x'}).type, 'anonymous')
  })

  it('rejects an undeclared volume, a bind without source, a missing target and an unknown type', () => {
    throws(() => mount({type: 'volume', source: 'nope', target: '/x'}), /named volume "nope" is not declared/)
    throws(() => mount({type: 'bind', target: '/x'}), (e: unknown) => (e as ConfigError).path === 'services.web.volumes[0].source')
    throws(() => mount({type: 'bind', source: './x'}), (e: unknown) => (e as ConfigError).path === 'services.web.volumes[0].target')
    throws(() => mount({type: 'cluster', source: 'x', target: '/x'}), /unsupported volume type "cluster"/)
  })

  it('rejects an entry that is neither a string nor a mapping', () => {
    throws(() => mount(42), ConfigError)
  })
})

describe('splitShortSyntax and mountTarget', () => {
  it('split source, target and mode like Compose v1', () => {
    deepStrictEqual(splitShortSyntax('/c'), {target: '/c'})
    deepStrictEqual(splitShortSyntax('a:/c'), {source: 'a', target: '/c'})
    deepStrictEqual(splitShortSyntax('a:/c:ro'), {source: 'a', target: '/c', mode: 'ro'})
  })

  it('find the container path of both syntaxes', () => {
    equal(mountTarget('./a:/c:ro'), '/c')
    equal(mountTarget({type: 'bind', source: './a', target: '/c'}), '/c')
    equal(mountTarget(7), undefined)
  })
})

describe('topLevelVolumes', () => {
  it('prefixes plain volumes with the project name', () => {
    deepStrictEqual(topLevelVolumes({db: null, cache: {}}, 'shop', 'f'), {
      db: {name: 'shop_db', external: false},
      cache: {name: 'shop_cache', external: false},
    })
  })

  it('uses name: as is, without the project prefix', () => {
    deepStrictEqual(topLevelVolumes({db: {name: 'my-db'}}, 'shop', 'f'), {db: {name: 'my-db', external: false}})
  })

  it('uses the key, or name:, for an external volume', () => {
    deepStrictEqual(topLevelVolumes({a: {external: true}, b: {external: true, name: 'real-b'}}, 'shop', 'f'), {
      a: {name: 'a', external: true},
      b: {name: 'real-b', external: true},
    })
  })

  it('understands the legacy external: {name: x}', () => {
    deepStrictEqual(topLevelVolumes({a: {external: {name: 'old'}}}, 'shop', 'f'), {a: {name: 'old', external: true}})
  })

  it('rejects a volume that is not a mapping', () => {
    throws(() => topLevelVolumes({a: 'x'}, 'shop', 'f'), (e: unknown) => (e as ConfigError).path === 'volumes.a')
    throws(() => topLevelVolumes(['a'], 'shop', 'f'), ConfigError)
  })
})
