// The config entry of backup_volume: its JSON Schema and the defaults applied to it.
import type {JsonSchema} from 'backupbot'

export interface VolumeOptions {
  /** `["all"]` (default) or named volumes of the service, by compose name or engine name. */
  volumes?: string[]
  /** Instead of the engine's archive API, run this in a temporary container (its stdout is the artifact). */
  command?: string
  /** Append the volume's mount point to `command` (default true). */
  use_mountpoint?: boolean
  /** Image of the temporary container (a key reference such as `web.image` works). Default: the service's own. */
  image?: string
  /** Fallback image when the chosen one lacks the command's tool or the service has no image. */
  helper_image?: string
  /** Stop the containers using the volume while it is read (default true). */
  stop?: boolean
  /** With `command`: the artifact's extension (default `.tar.gz`); set it to what `command` writes. */
  extension?: string
}

/** What `command` is taken to write unless `extension` says otherwise (`tar -czf`). */
export const COMMAND_EXTENSION = '.tar.gz'

export const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    volumes: {type: 'array', minItems: 1, uniqueItems: true, items: {type: 'string', minLength: 1}},
    command: {type: 'string', pattern: '\\S'},
    use_mountpoint: {type: 'boolean'},
    image: {type: 'string', minLength: 1},
    helper_image: {type: 'string', minLength: 1},
    stop: {type: 'boolean'},
    // A file name suffix: no slashes, so it cannot leave the version folder.
    extension: {type: 'string', pattern: '^(\\.[A-Za-z0-9][A-Za-z0-9_-]*)+$'},
  },
}

/** Read at plan time so that BACKUPBOT_HELPER_IMAGE set for one run applies to it. */
export function defaultHelperImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.BACKUPBOT_HELPER_IMAGE?.trim() || 'busybox:latest'
}
