// The service's running container: dumps go through the running database server.
import type {ContainerRef, RunContext} from 'backupbot'

/** The first running container of `service`. */
export async function runningContainer(ctx: RunContext, service: string): Promise<ContainerRef> {
  const running = (await ctx.docker.serviceContainers(service)).filter((c) => c.running)
  if (running.length === 0) {
    throw new Error(`service ${service} has no running container: backup_postgres dumps through the running database server, start it first (docker compose up -d ${service})`)
  }
  if (running.length > 1) ctx.log.info(`${service}: ${running.length} containers are running; dumping from ${running[0]!.name}`)
  return running[0]!
}

/** The end of a tool's messages (the server's error is the last line), on one line. */
export function lastLines(text: string, count = 5): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ')
}
