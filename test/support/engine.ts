/**
 * Docker engine access for integration tests.
 *
 * Integration tests never skip: without an engine they fail with an explanation of how to get
 * one (`bash scripts/test-env.sh`, as root). Call `requireEngine()` in a `before` hook.
 */
import Docker from 'dockerode'

/** Local images built by scripts/test-env.sh (BACKUPBOT_TEST_IMAGES selects which). */
export const TEST_IMAGES = {
  busybox: 'local/busybox:test',
  example: 'local/backupbot-example:test',
  mariadb: 'local/mariadb:test',
  postgres: 'local/postgres:test',
} as const

/** Label put on every container/volume/network a test creates outside of compose. */
export const TEST_LABEL = 'backupbot.test'

let client: Docker | undefined

/** The shared dockerode client (DOCKER_HOST or the local socket, like the docker CLI). */
export function docker(): Docker {
  client ??= new Docker()
  return client
}

function engineAddress(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const HOW_TO_FIX =
  'Integration tests need a running Docker engine and the local test images. ' +
  'Run `bash scripts/test-env.sh` as root (installs docker.io/docker-compose if missing, ' +
  'starts dockerd, builds the images), or `npm test`, which does that first.'

/**
 * Fails (never skips, in CI or locally) unless the Docker engine answers a ping.
 * Returns the dockerode client.
 */
export async function requireEngine(timeoutMs = 10_000): Promise<Docker> {
  const d = docker()
  try {
    await withTimeout(d.ping(), timeoutMs, 'docker ping')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`Docker engine unreachable at ${engineAddress()}: ${reason}. ${HOW_TO_FIX}`)
  }

  return d
}

/** Fails unless every image exists locally (there is no registry to pull from). */
export async function requireImages(...images: string[]): Promise<void> {
  const d = await requireEngine()
  const missing: string[] = []
  for (const image of images) {
    try {
      await d.getImage(image).inspect()
    } catch {
      missing.push(image)
    }
  }

  if (missing.length > 0) {
    throw new Error(
      `Missing test image(s): ${missing.join(', ')}. Build them with \`bash scripts/test-env.sh\` ` +
        '(BACKUPBOT_TEST_IMAGES, if set, must include them: busybox, mariadb, postgres).',
    )
  }
}
