// The engine's archive API (`docker cp CONTAINER:PATH -` and back): a plain tar, streamed, whose
// entries start with the basename of `path`. It works on a created, never started container,
// needs no tar in any image, and is the fastest way out of (and into) the engine (PERF-NOTES.md).
import type {Readable} from 'node:stream'
import type Docker from 'dockerode'

import {engineMessage} from './engine-errors.js'

export async function getArchive(docker: Docker, containerId: string, path: string): Promise<Readable> {
  try {
    return (await docker.getContainer(containerId).getArchive({path})) as Readable
  } catch (error) {
    throw new Error(`reading ${path} from container ${containerId.slice(0, 12)}: ${engineMessage(error)}`)
  }
}

/**
 * Extracts a plain tar stream under `path` in the container. The engine keeps the entries'
 * owners, modes and mtimes (the API's default, without copyUIDGID). A read error of `tar`
 * aborts the upload (docker-modem destroys the request), so a broken artifact fails here.
 */
export async function putArchive(docker: Docker, containerId: string, path: string, tar: Readable): Promise<void> {
  try {
    await docker.getContainer(containerId).putArchive(tar, {path})
  } catch (error) {
    throw new Error(`writing into ${path} of container ${containerId.slice(0, 12)}: ${engineMessage(error)}`)
  } finally {
    // Whatever the engine did not read (it failed early) is not left open.
    tar.destroy()
  }
}
