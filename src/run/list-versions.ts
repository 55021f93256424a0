// `backupbot list-versions` as a library call: every item of a store with its versions (with
// --all-hosts, every machine's, in a store that several share).
import type {ItemListing} from '../store.js'
import {needsSharedStore, openStore, type OpenStoreOptions} from './open-store.js'

export interface ListVersionsResult {
  target: string
  items: ItemListing[]
}

export interface ListVersionsRequest extends OpenStoreOptions {
  target: string
  service?: string
  /** Every machine's items, not only this one's (a store with `hosts`). */
  allHosts?: boolean
}

export async function listBackups(request: ListVersionsRequest): Promise<ListVersionsResult> {
  const store = openStore(request.target, request)
  if (request.allHosts) needsSharedStore(store, '--all-hosts')
  return {target: store.location, items: await store.list({service: request.service, ...(request.allHosts ? {allHosts: true} : {})})}
}
