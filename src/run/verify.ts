// `backupbot verify` as a library call: for every item in the backup tree, the chosen versions
// are read completely: checksum against the manifest, gzip and tar structure, and the scheme's
// own content check (a dump's trailer). Needs no compose project and touches nothing.
import {errorMessage} from '../errors.js'
import type {Logger} from '../scheme.js'
import type {SchemeRegistry} from '../schemes/registry.js'
import type {ItemListing, Store, VersionListing} from '../store.js'
import {checkStructure, toArtifact} from './artifacts.js'
import type {VerifyItemResult, VerifyResult} from './result.js'

export interface VerifyRequest {
  store: Store
  service?: string
  /** One version number (default 1), or every version. */
  version: number | 'all'
  registry: SchemeRegistry
  log: Logger
}

export async function verifyBackups(options: VerifyRequest): Promise<VerifyResult> {
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
  return {ok: items.every((i) => i.status === 'ok'), target: options.store.location, items}
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
