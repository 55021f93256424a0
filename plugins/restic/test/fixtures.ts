// Snapshots as `restic snapshots --json` lists them, made with the store's own tags: for the
// tests of snapshots.ts and forget.ts.
import type {Manifest} from 'backupbot'

import type {Snapshot} from '../src/snapshots.js'
import {dataPath, dataTags, type Identity, manifestTags} from '../src/tags.js'

export const ITEM: Identity = {project: 'shop', service: 'db', folder: 'mysql', item: 'all-databases'}

let counter = 0

export function snapshot(tags: string[] | null, time: string, hostname = 'alpha'): Snapshot {
  counter += 1
  const id = `${counter.toString(16).padStart(8, '0')}${'e'.repeat(56)}`
  return {id, short_id: id.slice(0, 8), time, hostname, paths: ['/x'], tags}
}

export function manifestFor(identity: Identity, created: string, sha = 'a'): Manifest {
  const {project, service, item} = identity
  return {
    format: 1, project, service, item, scheme: 'backup_mysql', source: 'mysqldump', backupbot: '0.1.0',
    file: dataPath(identity, '.sql'), bytes: 100, sha256: sha.repeat(64), created,
  }
}

/** A data snapshot, tagged as write `write` of process `pid` (absent: no pid tag). */
export function data(identity: Identity, write: string, time: string, options: {host?: string; pid?: number | string} = {}): Snapshot {
  const tags = dataTags(identity, write).filter((t) => !t.startsWith('bb-pid='))
  if (options.pid !== undefined) tags.push(`bb-pid=${options.pid}`)
  return snapshot(tags, time, options.host)
}

export function manifest(identity: Identity, write: string, time: string, options: {host?: string; sha?: string} = {}): Snapshot {
  return snapshot(manifestTags(identity, write, manifestFor(identity, time, options.sha)), time, options.host)
}
