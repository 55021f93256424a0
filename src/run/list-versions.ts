// `backupbot list-versions` as a library call: every item of a store with its versions.
import type {ItemListing} from '../store.js'
import {openStore} from './open-store.js'

export interface ListVersionsResult {
  target: string
  items: ItemListing[]
}

export async function listBackups(request: {target: string; cwd: string; service?: string}): Promise<ListVersionsResult> {
  const store = openStore(request.target, request.cwd)
  return {target: store.location, items: await store.list({service: request.service})}
}
