// Single-container primitives shared by stop/start, recovery and the ops: state, stop, start.
// Starting is the operation that must not fail quietly, so it retries and checks the result.
import type Docker from 'dockerode'

import {statusOf} from './engine-errors.js'

export interface ContainerState {
  id: string
  name: string
  running: boolean
}

/** The container's state, or undefined when it no longer exists. */
export async function containerState(docker: Docker, id: string): Promise<ContainerState | undefined> {
  try {
    const info = await docker.getContainer(id).inspect()
    // A restarting container counts as running: the engine brings it back by itself.
    return {id: info.Id, name: info.Name.replace(/^\//, ''), running: info.State.Running || info.State.Restarting}
  } catch (error) {
    if (statusOf(error) === 404) return undefined
    throw error
  }
}

/** Stops a container with its own stop timeout (compose's stop_grace_period); stopped already is fine. */
export async function stopContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).stop()
  } catch (error) {
    if (statusOf(error) !== 304) throw error
  }
}

export interface StartOptions {
  /** Attempts before giving up (a busy engine may refuse once). */
  attempts?: number
  delayMs?: number
}

/**
 * Starts a container and checks that it runs. Retries a few times: a container left stopped is
 * the worst outcome backupbot can have, and an engine hiccup should not cause it.
 */
export async function startContainer(docker: Docker, id: string, options: StartOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 3
  const delayMs = options.delayMs ?? 1000
  let lastError: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await startOnce(docker, id)
      return
    } catch (error) {
      lastError = error
      // A container that is gone cannot be started by retrying.
      if (statusOf(error) === 404 || attempt === attempts) break
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt))
    }
  }
  throw lastError
}

async function startOnce(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id)
  try {
    await container.start()
  } catch (error) {
    if (statusOf(error) !== 304) throw error // 304: already running
  }
  const info = await container.inspect()
  if (!info.State.Running && !info.State.Restarting) {
    const why = info.State.Error ? `: ${info.State.Error}` : ''
    throw new Error(`it exited right after being started (exit code ${info.State.ExitCode}${why})`)
  }
}
