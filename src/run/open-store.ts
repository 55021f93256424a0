// From `--target` to a store. Today every target is a path of the local tree; other stores
// (a restic repository, `restic:<repo>`) will be told apart here by their prefix.
import path from 'node:path'

import type {Store} from '../store.js'
import {LocalStore} from '../target/local-store.js'

export function openStore(target: string, cwd: string): Store {
  return new LocalStore(path.resolve(cwd, target))
}
