// From `--target` to a store. `<prefix>:<rest>` names a kind of store a plugin provides
// (`restic:/srv/repo`, `restic:s3:s3.example.com/bucket`); anything else is a folder of the
// local tree. Drive letters (`C:\backups`) and paths (`./a:b`, `/x/y:z`) are never a prefix: a
// prefix has two or more characters and nothing before its colon is a slash.
import os from 'node:os'
import path from 'node:path'

import {UsageError} from '../errors.js'
import type {SecretMasker} from '../log/secrets.js'
import type {Logger} from '../scheme.js'
import type {Store, StoreContext, StoreDefinition} from '../store.js'
import {LocalStore} from '../target/local-store.js'

/** A kind of store and the npm package of the plugin that registered it. */
export interface LoadedStore {
  definition: StoreDefinition
  plugin: string
}

/** The installed kinds of store, by prefix (filled by src/plugins/load-stores.ts). */
export interface StoreRegistry {
  byPrefix: ReadonlyMap<string, LoadedStore>
  /** Plugins (or their store definitions) that could not be loaded. */
  failures: Array<{plugin: string; error: string}>
}

export interface OpenStoreOptions {
  /** What a relative target is resolved against. */
  cwd: string
  stores: StoreRegistry
  log: Logger
  /** The environment a store's tools get: its credentials come from here. */
  env: NodeJS.ProcessEnv
  /** Where a store registers its secrets, so that nothing backupbot prints shows them. */
  masker: SecretMasker
  /** `backup --prune`: a store that forgets and frees space apart (restic) also frees it. */
  prune?: boolean
}

const PREFIXED = /^([a-z][a-z0-9-]+):(.*)$/s

export function openStore(target: string, options: OpenStoreOptions): Store {
  const prefixed = PREFIXED.exec(target)
  if (!prefixed) return new LocalStore(path.resolve(options.cwd, target))
  const [, prefix, location] = prefixed as unknown as [string, string, string]
  const loaded = options.stores.byPrefix.get(prefix)
  if (!loaded) {
    const kinds = [...options.stores.byPrefix.keys()].map((p) => `${p}:`)
    throw new UsageError(`--target ${target}: no installed plugin provides stores of the kind ${prefix}: (installed: ${kinds.join(', ') || 'none'})`, [
      `a local folder whose name has a colon can be written as ./${target}`,
    ])
  }
  // An empty location (`restic:`) goes to the plugin too: it knows what its targets look like.
  return loaded.definition.open(location, storeContext(options))
}

/** Refuses a flag that reaches other machines' versions (`--all-hosts`, `--host`) for a store that holds one machine's. */
export function needsSharedStore(store: Store, flag: string): void {
  if (store.hosts) return
  throw new UsageError(`${flag} is for a store that several machines share (restic:<repo>), but ${storeName(store)} holds one machine's backups`)
}

/** The store as messages name it: `the local tree /srv/backups`, `restic:/srv/repo`. */
export function storeName(store: Store): string {
  return store instanceof LocalStore ? `the local tree ${store.location}` : store.location
}

function storeContext(options: OpenStoreOptions): StoreContext {
  return {
    cwd: options.cwd,
    log: options.log,
    env: options.env,
    secret: (value) => options.masker.add(value),
    // A container's random hostname would make each run another machine: BACKUPBOT_HOSTNAME names it.
    host: options.env.BACKUPBOT_HOSTNAME || os.hostname(),
    prune: options.prune ?? false,
  }
}
