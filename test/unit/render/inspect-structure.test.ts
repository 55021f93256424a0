import {deepStrictEqual} from 'node:assert/strict'

import type {MountModel, ProjectModel} from '../../../src/config/compose/model.js'
import {inspectStructure} from '../../../src/render/inspect-structure.js'

function project(mounts: MountModel[]): ProjectModel {
  return {
    name: 'shop',
    directory: '/srv/shop',
    configFiles: ['/srv/shop/compose.yaml'],
    services: {web: {name: 'web', environment: {}, mounts, definition: {}}, idle: {name: 'idle', environment: {}, mounts: [], definition: {}}},
    volumes: {data: {name: 'shop_data', external: false}},
    warnings: [],
  }
}

describe('inspectStructure', () => {
  it('lists bind sources and named volumes per service, in order and without duplicates, plus every mount', () => {
    const seed = inspectStructure(
      project([
        {type: 'bind', source: '/srv/shop/html', target: '/a', readOnly: false, backedUp: true},
        {type: 'volume', source: 'data', volumeName: 'shop_data', target: '/data', readOnly: true, backedUp: true},
        {type: 'bind', source: '/etc/conf', target: '/b', readOnly: true, backedUp: true},
        {type: 'bind', source: '/srv/shop/html', target: '/c', readOnly: false, backedUp: true},
        {type: 'volume', source: 'data', volumeName: 'shop_data', target: '/data2', readOnly: false, backedUp: true},
        {type: 'anonymous', target: '/cache', readOnly: false, backedUp: false, reason: 'anonymous volume: not backed up'},
        {type: 'tmpfs', target: '/run', readOnly: false, backedUp: false, reason: 'tmpfs: nothing to back up'},
      ]),
    )
    deepStrictEqual(seed.web.host_directories, ['/srv/shop/html', '/etc/conf'])
    deepStrictEqual(seed.web.volumes, ['data'])
    deepStrictEqual(seed.web.mounts[1], {type: 'volume', source: 'data', target: '/data', read_only: true, volume_name: 'shop_data', backed_up: true})
    deepStrictEqual(seed.web.mounts[5], {type: 'anonymous', target: '/cache', read_only: false, backed_up: false, reason: 'anonymous volume: not backed up'})
    deepStrictEqual(seed.web.mounts.length, 7)
    deepStrictEqual(seed.idle, {host_directories: [], volumes: [], mounts: []})
  })
})

describe('inspectStructure with profiles', () => {
  it('lists the services the profiles leave out under $left_out, with their profiles, and only when there are some', () => {
    const shop = project([])
    deepStrictEqual('$left_out' in inspectStructure(shop), false)
    const seed = inspectStructure({...shop, leftOut: {debug: {profiles: ['debug', 'tools'], containerName: 'dbg'}}})
    deepStrictEqual(seed.$left_out, {debug: {profiles: ['debug', 'tools']}})
    deepStrictEqual(Object.keys(seed), ['web', 'idle', '$left_out'])
  })
})
