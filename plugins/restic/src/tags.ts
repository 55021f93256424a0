// How backupbot finds its own snapshots: tags. Every version is two snapshots with one write id:
// the data (the item's stream, as the scheme wrote it) and, written only once the data snapshot
// exists and the stream was good, a small manifest snapshot whose tags carry the manifest (and
// whose content is manifest.json). The manifest snapshot is the commit: a data snapshot without
// one (backupbot killed mid-stream: restic saw the end of its input and saved what it got) is
// never a version. Values are percent-encoded, since restic splits `--tag` at commas.
import type {ItemKey, Manifest} from 'backupbot'

export const MARK = 'backupbot'

export type Kind = 'data' | 'manifest'

/** An item's identity in the repository (with the host, which restic records itself). */
export interface Identity {
  project: string
  service: string
  folder: string
  item: string
}

export function identityOf(key: ItemKey): Identity {
  return {project: key.project, service: key.service, folder: key.folder, item: key.name}
}

function tag(name: string, value: string | number): string {
  return `bb-${name}=${encodeURIComponent(String(value))}`
}

/** The tags that select one item's snapshots of one kind (restic ANDs a comma list). */
export function itemFilter(identity: Identity, kind: Kind): string {
  return [MARK, tag('kind', kind), ...identityTags(identity)].join(',')
}

function identityTags(identity: Identity): string[] {
  return [tag('project', identity.project), tag('service', identity.service), tag('folder', identity.folder), tag('item', identity.item)]
}

export function dataTags(identity: Identity, write: string): string[] {
  return [MARK, tag('kind', 'data'), ...identityTags(identity), tag('write', write), tag('pid', process.pid)]
}

export function manifestTags(identity: Identity, write: string, manifest: Manifest): string[] {
  return [
    MARK,
    tag('kind', 'manifest'),
    ...identityTags(identity),
    tag('write', write),
    tag('scheme', manifest.scheme),
    tag('source', manifest.source),
    tag('backupbot', manifest.backupbot),
    tag('file', manifest.file),
    tag('bytes', manifest.bytes),
    tag('sha256', manifest.sha256),
    tag('created', manifest.created),
  ]
}

/** The `bb-` tags of a snapshot, decoded; undefined values are absent. */
export function readTags(tags: string[] | null | undefined): Record<string, string> {
  const values: Record<string, string> = {}
  for (const t of tags ?? []) {
    const match = /^bb-([a-z0-9]+)=(.*)$/.exec(t)
    if (!match) continue
    try {
      values[match[1]!] = decodeURIComponent(match[2]!)
    } catch {
      // Not ours after all (a hand-made tag): ignored.
    }
  }
  return values
}

/** The manifest a manifest snapshot's tags carry; undefined when a field is missing. */
export function manifestFrom(values: Record<string, string>): Manifest | undefined {
  const {project, service, scheme, item, source, backupbot, file, bytes, sha256, created} = values
  if ([project, service, scheme, item, source, backupbot, file, bytes, sha256, created].some((v) => v === undefined)) return undefined
  if (!/^\d+$/.test(bytes!) || !/^[0-9a-f]{64}$/.test(sha256!)) return undefined
  return {format: 1, project: project!, service: service!, scheme: scheme!, item: item!, source: source!, backupbot: backupbot!, file: file!, bytes: Number(bytes), sha256: sha256!, created: created!}
}

/** The path of an item's data in its snapshots: `/<project>/<service>/<folder>/<item><ext>`. */
export function dataPath(identity: Identity, extension: string): string {
  return '/' + [identity.project, identity.service, identity.folder, identity.item].map(segment).join('/') + extension
}

/** One path segment: a relative host path (`./data/www`) is one item, not a tree of folders. */
function segment(name: string): string {
  const text = name.startsWith('./') ? name.slice(2) : name
  // `.` and `..` must not be path steps.
  return text === '' ? '%' : encodeURIComponent(text).replace(/^\./, '%2E')
}
