// A restic repository behind backupbot's store contract: one item version is a data snapshot
// plus its manifest snapshot (src/tags.ts), tagged with this machine's name, so that several
// machines and projects share one repository. restic does the encryption, deduplication,
// compression, locking and the backends; this module only drives it.
import {createHash} from 'node:crypto'
import type {Readable, Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {ItemKey, ListFilter, NewVersion, OpenedVersion, RetentionPolicy, Store, StoreContext, StoredArtifact, VersionListing, WrittenVersion} from 'backupbot'

import {checkPasswordSource} from './errors.js'
import {forgetByPolicy, staleData} from './forget.js'
import {parseRepository} from './repository.js'
import {Restic} from './restic.js'
import {type Item, itemsOf, type Snapshot, type StoredVersion} from './snapshots.js'
import {dataPath, type Identity, identityOf, itemFilter, MARK, readTags} from './tags.js'
import {checkVersion} from './version.js'
import {writeVersion} from './write.js'

/** How long a command waits for another machine's lock on the repository (BACKUPBOT_RESTIC_LOCK_WAIT, seconds). */
const LOCK_WAIT_SECONDS = 300

export class ResticStore implements Store {
  /** restic compresses and deduplicates: it gets the data as the scheme wrote it. */
  readonly wantsCompressed = false
  readonly hosts = true
  readonly location: string
  private readonly restic: Restic
  private ready?: Promise<void>
  /** Whether retention removed something this run (then `--prune` prunes once, at the end). */
  private forgot = false

  constructor(
    location: string,
    private readonly ctx: StoreContext,
  ) {
    const repository = parseRepository(location, ctx.cwd)
    for (const secret of repository.secrets) ctx.secret(secret)
    for (const name of ['RESTIC_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'B2_ACCOUNT_KEY', 'AZURE_ACCOUNT_KEY', 'AZURE_ACCOUNT_SAS', 'OS_PASSWORD']) {
      const value = ctx.env[name]
      if (value) ctx.secret(value)
    }
    this.location = `restic:${repository.shown}`
    const wait = Number(ctx.env.BACKUPBOT_RESTIC_LOCK_WAIT ?? LOCK_WAIT_SECONDS)
    this.restic = new Restic({repository, env: ctx.env, lockWait: (Number.isFinite(wait) && wait >= 0 ? wait : LOCK_WAIT_SECONDS) * 1000})
  }

  /** restic holds its own locks per command; this checks, before anything is touched, that the repository can be used. */
  async lock(): Promise<() => Promise<void>> {
    await this.usable()
    return async () => {
      if (this.ctx.prune && this.forgot) {
        this.ctx.log.info(`${this.location}: restic prune (freeing what retention removed)`)
        await this.restic.run(['prune'])
      }
    }
  }

  where(key: ItemKey): string {
    return `${this.location} ${dataPath(identityOf(key), '')}`
  }

  async write(key: ItemKey, version: NewVersion, write: (out: Writable) => Promise<void>): Promise<WrittenVersion> {
    await this.usable()
    const identity = identityOf(key)
    const {manifest, snapshot, id} = await writeVersion(this.restic, {identity, host: this.ctx.host, extension: version.extension, manifest: version.manifest, onBytes: version.onBytes, write})
    const written = {file: `${snapshot}:${manifest.file}`, bytes: manifest.bytes, sha256: manifest.sha256, created: manifest.created, removed: [] as string[], undated: []}
    // One listing after the write serves the size check and the clean-up.
    const snapshots = await this.snapshots(identity, this.ctx.host)
    const previous = this.itemOf(snapshots)?.versions.find((v) => v.write !== id && v.bytes !== undefined)
    if (previous?.bytes !== undefined && manifest.bytes * 2 < previous.bytes) return {...written, shrank: {previousBytes: previous.bytes}}
    if (!version.retention) return written
    const removed = await forgetByPolicy(this.restic, identity, this.ctx.host, version.retention, false)
    const stale = staleData(snapshots, removed)
    if (stale.length > 0) await this.restic.run(['forget', ...stale])
    if (removed.length > 0) this.forgot = true
    return {...written, removed: removed.map(createdOf)}
  }

  async wouldRemove(key: ItemKey, policy: RetentionPolicy): Promise<string[]> {
    await this.usable()
    return (await forgetByPolicy(this.restic, identityOf(key), this.ctx.host, policy, true)).map(createdOf)
  }

  async list(filter: ListFilter = {}) {
    await this.usable()
    const args = ['snapshots', '--tag', MARK, ...(filter.allHosts ? [] : ['--host', this.ctx.host])]
    const items = itemsOf((await this.restic.json<Snapshot[] | null>(args)) ?? [], (s) => this.snapshotPlace(s))
    return filter.service === undefined ? items : items.filter((i) => i.service === filter.service)
  }

  async version(key: ItemKey, number: number, from: {host?: string} = {}): Promise<VersionListing | undefined> {
    await this.usable()
    return this.itemOf(await this.snapshots(identityOf(key), from.host ?? this.ctx.host))?.versions.find((v) => v.number === number)
  }

  open(version: VersionListing): OpenedVersion {
    const {snapshot, manifest, file} = version
    const path = (version as StoredVersion).path
    if (version.error || !snapshot || !manifest || !file || !path) throw new Error(`version ${version.number} (${version.dir}) is unusable: ${version.error ?? 'no data snapshot'}`)
    const content = () => this.dump(snapshot, path)
    return {file, number: version.number, manifest, open: content, content}
  }

  async checkIntegrity(artifact: StoredArtifact): Promise<void> {
    const hash = createHash('sha256')
    let bytes = 0
    await pipeline(artifact.open(), async function (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk)
        bytes += chunk.length
      }
    })
    const sha256 = hash.digest('hex')
    if (sha256 !== artifact.manifest.sha256 || bytes !== artifact.manifest.bytes) {
      throw new Error(
        `checksum mismatch for ${artifact.file} in ${this.location}: recorded sha256 ${artifact.manifest.sha256} (${artifact.manifest.bytes} bytes), ` +
          `read ${sha256} (${bytes} bytes): the snapshot does not hold what backupbot wrote`,
      )
    }
  }

  async check(options: {readData: boolean}): Promise<string[]> {
    await this.usable()
    await this.restic.run(['check', ...(options.readData ? ['--read-data'] : [])])
    return [options.readData ? 'restic check --read-data' : 'restic check']
  }

  /** Once per store: restic is there and new enough, a password is set, the repository opens with it. */
  private usable(): Promise<void> {
    this.ready ??= (async () => {
      checkPasswordSource(this.ctx.env, this.restic.shown)
      await checkVersion(this.ctx.env)
      await this.restic.run(['cat', 'config'])
    })()
    return this.ready
  }

  /** One item's snapshots (data and manifests) on one host. */
  private async snapshots(identity: Identity, host: string): Promise<Snapshot[]> {
    const args = ['snapshots', '--host', host, '--tag', itemFilter(identity, 'data'), '--tag', itemFilter(identity, 'manifest')]
    return (await this.restic.json<Snapshot[] | null>(args)) ?? []
  }

  private itemOf(snapshots: Snapshot[]): Item | undefined {
    return itemsOf(snapshots, (s) => this.snapshotPlace(s))[0]
  }

  private snapshotPlace(snapshot: Snapshot): string {
    return `${this.location} snapshot ${snapshot.short_id}`
  }

  /** The data as stored. */
  private dump(snapshot: string, path: string): Readable {
    return this.restic.stream(['dump', snapshot, path])
  }
}

function createdOf(snapshot: Snapshot): string {
  return readTags(snapshot.tags).created ?? snapshot.time
}
