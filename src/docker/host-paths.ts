// Which containers see a host path through a bind mount: those that would read or write it while
// a restore replaces it. Judged on the engine's view (Mounts[].Source), so it also finds the
// containers of other projects and stopped ones.
import {realpathSync} from 'node:fs'
import path from 'node:path'
import type Docker from 'dockerode'

import {HELPER_LABEL} from './helper-container.js'

/** The containers (helpers left out) with a bind mount that overlaps `hostPath`. */
export async function hostPathContainers(docker: Docker, hostPath: string): Promise<Docker.ContainerInfo[]> {
  const wanted = spellings(hostPath)
  const list = await docker.listContainers({all: true})
  return list.filter((c) => c.Labels?.[HELPER_LABEL] !== '1' && c.Mounts?.some((m) => m.Type === 'bind' && wanted.some((p) => overlaps(m.Source, p))))
}

/**
 * A bind mount of the path itself or of a path inside it sees it replaced; so does one of a
 * folder that holds it (`.:/app` in a compose file sees `./data` change). Not one of `/`: that is
 * a host agent (a monitoring exporter), not a user of the data.
 */
export function overlaps(source: string, hostPath: string): boolean {
  const a = path.posix.resolve(source)
  const b = path.posix.resolve(hostPath)
  return a === b || isInside(a, b) || (a !== '/' && isInside(b, a))
}

function isInside(child: string, parent: string): boolean {
  return child.startsWith(parent === '/' ? '/' : `${parent}/`)
}

/** The path as given and with its symlinks resolved: the engine records a bind's source as written. */
function spellings(hostPath: string): string[] {
  const resolved = path.resolve(hostPath)
  try {
    const real = realpathSync(resolved)
    return real === resolved ? [resolved] : [resolved, real]
  } catch {
    return [resolved] // not there (yet): nothing to resolve
  }
}
