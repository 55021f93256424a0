// The engine's archive API (`docker cp CONTAINER:PATH -`): a plain tar, streamed, whose entries
// start with the basename of `path`. It works on a created, never started container, needs no
// tar in any image, and is the fastest way out of the engine (PERF-NOTES.md).
import type {Readable} from 'node:stream'
import type Docker from 'dockerode'

import {engineMessage} from './containers.js'

export async function getArchive(docker: Docker, containerId: string, path: string): Promise<Readable> {
  try {
    return (await docker.getContainer(containerId).getArchive({path})) as Readable
  } catch (error) {
    throw new Error(`reading ${path} from container ${containerId.slice(0, 12)}: ${engineMessage(error)}`)
  }
}
