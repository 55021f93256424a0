// The engine's archive API (`docker cp CONTAINER:PATH -` and back): a plain tar, streamed, whose
// entries start with the basename of `path`. It works on a created, never started container,
// needs no tar in any image, and is the fastest way out of (and into) the engine (PERF-NOTES.md).
import type {Readable} from 'node:stream'
import {text} from 'node:stream/consumers'
import type Docker from 'dockerode'

import {engineMessage} from './engine-errors.js'
import {socketGet} from './socket-get.js'

export async function getArchive(docker: Docker, containerId: string, path: string): Promise<Readable> {
  try {
    const socketPath = await localSocket(docker)
    if (socketPath) return await getArchiveOverSocket(docker, socketPath, containerId, path)
    return (await docker.getContainer(containerId).getArchive({path})) as Readable
  } catch (error) {
    throw new Error(`reading ${path} from container ${containerId.slice(0, 12)}: ${engineMessage(error)}`)
  }
}

/** The engine's unix socket, when dockerode talks to it directly (not over TCP, TLS, ssh or a custom agent). */
async function localSocket(docker: Docker): Promise<string | undefined> {
  // docker-modem's own resolution of the default socket (~/.docker/run or /var/run), untyped.
  const modem = docker.modem as unknown as {socketPath?: unknown; agent?: unknown; getSocketPath?: () => Promise<string> | undefined}
  if (!modem.socketPath || modem.agent || typeof modem.getSocketPath !== 'function') return undefined
  const path = await modem.getSocketPath()
  return typeof path === 'string' && !path.startsWith('//./pipe/') ? path : undefined
}

/**
 * The archive read on a connection of our own (src/docker/socket-get.ts says why): what a local
 * volume's read, the service's downtime, costs beyond the engine's own work.
 */
async function getArchiveOverSocket(docker: Docker, socketPath: string, containerId: string, path: string): Promise<Readable> {
  const modem = docker.modem as unknown as {version?: string; headers?: Record<string, string>}
  const version = modem.version ? `/${modem.version}` : ''
  const url = `${version}/containers/${encodeURIComponent(containerId)}/archive?path=${encodeURIComponent(path)}`
  const response = await socketGet(socketPath, url, modem.headers)
  if (response.status === 200) return response.body
  // An error's body is the engine's JSON {"message": ...}, as dockerode reports it.
  const body = await text(response.body).catch(() => '')
  let message = body.trim() || `HTTP status ${response.status}`
  try {
    message = (JSON.parse(body) as {message?: string}).message ?? message
  } catch {}
  throw Object.assign(new Error(message), {statusCode: response.status})
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
