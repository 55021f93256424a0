// `backupbot list-versions` as a library call: every item of a store with its versions.
import type {ItemListing} from '../store.js'
import {openStore, type OpenStoreOptions} from './open-store.js'

export interface ListVersionsResult {
  target: string
  items: ItemListing[]
}

export interface ListVersionsRequest extends OpenStoreOptions {
  target: string
  service?: string
}

export async function listBackups(request: ListVersionsRequest): Promise<ListVersionsResult> {
  const store = openStore(request.target, request)
  return {target: store.location, items: await store.list({service: request.service})}
}
