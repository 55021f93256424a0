// The local store: the versioned folder tree `<target>/<service>/<folder>/<item>/<item>.<N>/`
// (with `--discover`, `<target>/<project>/...`), behind the store contract (src/store.ts). Its
// layout, atomic writes, rotation, retention, listing and lock are the modules beside this one.
import {createReadStream, existsSync} from 'node:fs'
import {join} from 'node:path'

import {openDecompressed} from '../archive/compression.js'
import type {StoredArtifact} from '../scheme.js'
import type {ItemKey, OpenedVersion, Store, VersionListing} from '../store.js'
import {digestFile} from './checksum.js'
import {encodeName, itemDirectory} from './layout.js'
import {listVersions, readVersion} from './list.js'
import {acquireLock} from './lock.js'
import {pruneWouldRemove} from './rotate.js'
import {writeVersion} from './write-version.js'

export class LocalStore implements Store {
  /** Plain files: the core compresses what it writes here. */
  readonly wantsCompressed: boolean = true
  /** One machine's tree. */
  readonly hosts: boolean = false

  /** `location`: the absolute path of the tree's root. */
  constructor(readonly location: string) {}

  lock(): Promise<() => Promise<void>> {
    return acquireLock(this.location)
  }

  where(key: ItemKey): string {
    const root = key.projectFolder ? join(this.location, encodeName(key.project)) : this.location
    return itemDirectory(root, key.service, key.folder, key.name)
  }

  async write(key: ItemKey, version: Parameters<Store['write']>[1], write: Parameters<Store['write']>[2]) {
    const info = await writeVersion({
      itemDir: this.where(key),
      item: encodeName(key.name),
      extension: version.extension,
      manifest: version.manifest,
      retention: version.retention,
      onBytes: version.onBytes,
      write,
    })
    const {removed, undated} = info.pruned
    return {file: info.file, bytes: info.bytes, sha256: info.sha256, created: info.created, removed: removed.map((r) => r.created!), undated, ...(info.shrank ? {shrank: info.shrank} : {})}
  }

  async wouldRemove(key: ItemKey, policy: Parameters<Store['wouldRemove']>[1]): Promise<string[]> {
    return (await pruneWouldRemove(this.where(key), encodeName(key.name), policy)).map((v) => v.created!)
  }

  list(filter: {service?: string} = {}) {
    return listVersions(this.location, filter)
  }

  async version(key: ItemKey, number: number): Promise<VersionListing | undefined> {
    const dir = join(this.where(key), `${encodeName(key.name)}.${number}`)
    return existsSync(dir) ? readVersion(dir, number) : undefined
  }

  open(version: VersionListing): OpenedVersion {
    const {file, manifest} = version
    if (version.error || !file || !manifest) throw new Error(`version ${version.number} in ${version.dir} is unusable: ${version.error ?? 'no artifact'}`)
    return {file, number: version.number, manifest, open: () => createReadStream(file), content: () => openDecompressed(file)}
  }

  async checkIntegrity(artifact: StoredArtifact): Promise<void> {
    const {sha256, bytes} = await digestFile(artifact.file)
    if (sha256 !== artifact.manifest.sha256 || bytes !== artifact.manifest.bytes) {
      throw new Error(
        `checksum mismatch for ${artifact.file}: recorded sha256 ${String(artifact.manifest.sha256)} (${String(artifact.manifest.bytes)} bytes), ` +
          `found ${sha256} (${bytes} bytes): the file is damaged or was changed`,
      )
    }
  }
}
