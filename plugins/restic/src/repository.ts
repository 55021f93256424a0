// The repository as the user named it (`restic:<repo>` without the prefix, restic's own syntax),
// as restic gets it (through RESTIC_REPOSITORY, never an argument) and as it may be shown: a
// rest: URL can carry a password (`rest:https://user:secret@host/`), which is masked.
import path from 'node:path'

import {StoreError} from './errors.js'

export interface Repository {
  /** What restic gets as RESTIC_REPOSITORY. */
  value: string
  /** For messages, results and `--json`: the password of a URL replaced by `***`. */
  shown: string
  /** Values that must appear nowhere backupbot prints. */
  secrets: string[]
}

const BACKENDS = ['local', 'sftp', 'rest', 's3', 'b2', 'azure', 'gs', 'swift', 'rclone']

export const EXAMPLES = ['restic:/srv/restic-repo', 'restic:sftp:user@host:/srv/restic-repo', 'restic:rest:http://host:8000/', 'restic:s3:http://host:9000/bucket']

export function parseRepository(location: string, cwd: string): Repository {
  const backend = /^([a-z0-9]+):/.exec(location)?.[1]
  // `restic:` and `restic:local:` name nothing (a path would resolve to the current directory).
  if (location.trim() === '' || (backend !== undefined && BACKENDS.includes(backend) && location.slice(backend.length + 1).trim() === '')) {
    throw new StoreError(`--target restic:${location} names no repository`, 2, [`name one in restic's syntax: ${EXAMPLES.join(', ')}`])
  }
  // A plain path is a local repository; made absolute so that it means the same from any directory.
  if (backend === undefined || !BACKENDS.includes(backend)) {
    const absolute = path.resolve(cwd, location)
    return {value: absolute, shown: absolute, secrets: []}
  }
  if (backend === 'local') {
    const absolute = path.resolve(cwd, location.slice('local:'.length))
    return {value: `local:${absolute}`, shown: `local:${absolute}`, secrets: []}
  }
  const password = urlPassword(location.slice(backend.length + 1))
  return password === undefined
    ? {value: location, shown: location, secrets: []}
    : {value: location, shown: location.replace(`:${password}@`, ':***@'), secrets: [password, decoded(password)]}
}

/** A malformed escape (`50%off`) is left as it is: masked all the same, and restic says what is wrong with the URL. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function urlPassword(rest: string): string | undefined {
  const match = /^[a-z]+:\/\/[^/@:]*:([^/@]*)@/i.exec(rest)
  return match && match[1] !== '' ? match[1] : undefined
}
