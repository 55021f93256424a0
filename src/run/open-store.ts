// From `--target` to a store. Today every target is a path of the local tree; other stores
// (a restic repository, `restic:<repo>`) will be told apart here by their prefix.
import path from 'node:path'

import type {Store, StoreDefinition} from '../store.js'
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

export function openStore(target: string, cwd: string): Store {
  return new LocalStore(path.resolve(cwd, target))
}
