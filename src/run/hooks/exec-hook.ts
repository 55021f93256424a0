// An exec hook: its argv as the command (no shell) of a `docker exec` in a running container of a
// compose service of the hook's project, with BACKUPBOT_* in the command's environment. The engine
// cannot kill an exec: at the timeout or an interrupt backupbot stops waiting for it and says so.
import type {ExecHook} from '../../config/settings/types.js'
import type {DockerOps} from '../../scheme.js'
import {lastLines, readLines} from '../../system/streams.js'
import {type HookCall, limit} from './runner.js'

export async function runExecHook(call: HookCall, hook: ExecHook, docker: Pick<DockerOps, 'containers' | 'exec'>): Promise<void> {
  const service = hook.service ?? call.service
  if (!service) throw new Error('names no service to run in (give service:)')
  const [container] = (await docker.containers.ofService(service)).filter((c) => c.running)
  if (!container) throw new Error(`service ${service} of compose project ${call.project} has no running container to run it in (start it: docker compose up -d ${service})`)
  const handle = await docker.exec(container.id, hook.exec, {env: call.env, user: hook.user, workdir: hook.workdir})
  // Closing the output ends the connection to the engine, and so the wait.
  const limited = limit(call, () => handle.stdout.destroy())
  try {
    const [stdout, stderr, code] = await Promise.all([readLines(handle.stdout, call.onLine), readLines(handle.stderr, call.onLine), handle.exitCode]).catch((error: unknown) => {
      if (limited.stopped) throw new Error(`${limited.stopped}: gave up waiting (it may still run in ${container.name})`)
      throw error
    })
    if (code !== 0) {
      // 126/127: the engine could not start the program, and says why on stdout.
      const last = lastLines(stderr, 2) || (code === 126 || code === 127 ? lastLines(stdout, 2) : '')
      throw new Error(`exited with code ${code} in ${container.name}${last ? `: ${last}` : ''}`)
    }
  } finally {
    limited.clear()
  }
}
