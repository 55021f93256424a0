// `backupbot verify` as a library call: for every item in the backup tree, the chosen versions
// are read completely: checksum against the manifest, gzip or zstd and tar structure, and the scheme's
// own content check (a dump's trailer). A store with a check of its own (restic check) runs it
// once first. Needs no compose project and touches nothing.
import {errorMessage, UsageError} from '../errors.js'
import type {Logger} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {ItemListing, Store, VersionListing} from '../store.js'
import {checkStructure, toArtifact} from './artifacts.js'
import {storeName} from './open-store.js'
import type {StoreCheckResult, VerifyItemResult, VerifyResult} from './result.js'

export interface VerifyRequest {
  store: Store
  service?: string
  /** One version number (default 1), or every version. */
  version: number | 'all'
  /** The store's own check reads every byte it holds (`restic check --read-data`); only for a store with `check`. */
  readData?: boolean
  registry: SchemeRegistry
  log: Logger
}

export async function verifyBackups(options: VerifyRequest): Promise<VerifyResult> {
  if (options.readData && !options.store.check) {
    throw new UsageError(`--read-data is for a store with a check of its own (restic:<repo>), but ${storeName(options.store)} has none: verify reads every byte of each version it checks anyway`)
  }
  // Once, before the versions: a damaged repository explains the failures that may follow. Its
  // failure fails the run, but every version is still checked.
  const store = options.store.check ? await checkStore(options) : undefined
  const items: VerifyItemResult[] = []
  for (const listing of await options.store.list({service: options.service})) {
    const versions = options.version === 'all' ? listing.versions : listing.versions.filter((v) => v.number === options.version)
    if (versions.length === 0) {
      const which = options.version === 'all' ? 'no versions' : `no version ${options.version}`
      items.push({...names(listing), version: options.version === 'all' ? 0 : options.version, checks: [], status: 'failed', error: `${which} in ${listing.dir}`})
      continue
    }
    for (const version of versions) items.push(await verifyVersion(listing, version, options))
  }
  const ok = store?.status !== 'failed' && items.every((i) => i.status === 'ok')
  return {ok, target: options.store.location, ...(store ? {store} : {}), items}
}

async function checkStore({store, readData, log}: VerifyRequest): Promise<StoreCheckResult> {
  try {
    const checks = await store.check!({readData: readData ?? false})
    log.info(`ok      store ${store.location} (${checks.join(', ')})`)
    return {status: 'ok', checks}
  } catch (error) {
    log.warn(`FAILED  store ${store.location}: ${errorMessage(error)}`)
    return {status: 'failed', checks: [], error: errorMessage(error)}
  }
}

async function verifyVersion(listing: ItemListing, version: VersionListing, options: VerifyRequest): Promise<VerifyItemResult> {
  const checks: string[] = []
  const result = {...names(listing), version: version.number, ...(version.file ? {file: version.file} : {}), checks}
  try {
    if (listing.error) throw new Error(listing.error)
    const artifact = toArtifact(options.store.open(version))
    await options.store.checkIntegrity(artifact)
    checks.push('sha256')
    checks.push(...(await checkStructure(artifact, {devices: true})))
    const schemeType = artifact.manifest.scheme
    const scheme = options.registry.byType.get(schemeType)?.scheme
    if (scheme?.verify) {
      await scheme.verify({log: options.log}, artifact)
      checks.push('content')
    } else if (!scheme) {
      options.log.warn(`${listing.service}/${listing.folder}/${listing.item}.${version.number}: scheme ${schemeType || '(none)'} is not installed; its content check was skipped`)
    }
    options.log.info(`ok      ${listing.service}/${listing.folder}/${listing.item} .${version.number} (${checks.join(', ')})`)
    return {...result, status: 'ok'}
  } catch (error) {
    options.log.warn(`FAILED  ${listing.service}/${listing.folder}/${listing.item} .${version.number}: ${errorMessage(error)}`)
    return {...result, status: 'failed', error: errorMessage(error)}
  }
}

function names(listing: ItemListing) {
  return {service: listing.service, folder: listing.folder, item: listing.item}
}
