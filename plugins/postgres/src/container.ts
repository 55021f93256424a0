// The service's running container: dumps and restores go through the running database server.
import type {ContainerRef, RunContext} from 'backupbot'

/** The first running container of `service`; `doing` completes "backup_postgres ... through the running database server". */
export async function runningContainer(ctx: RunContext, service: string, doing = 'dumps'): Promise<ContainerRef> {
  const running = (await ctx.docker.serviceContainers(service)).filter((c) => c.running)
  if (running.length === 0) {
    throw new Error(`service ${service} has no running container: backup_postgres ${doing} through the running database server, start it first (docker compose up -d ${service})`)
  }
  if (running.length > 1) ctx.log.info(`${service}: ${running.length} containers are running; using ${running[0]!.name}`)
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
