// Flags shared by the commands that read compose projects or the backup tree.
import {Flags} from '@oclif/core'

export const projectFlags = {
  compose: Flags.string({
    char: 'f',
    summary: 'Compose file; repeat to merge several, later files override earlier ones (as docker compose -f a -f b).',
    description: 'Default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml in the current directory.',
    multiple: true,
    exclusive: ['discover'],
  }),
  'project-name': Flags.string({char: 'p', summary: 'Compose project name (default: COMPOSE_PROJECT_NAME, the top-level name:, or the folder name).', exclusive: ['discover']}),
  discover: Flags.boolean({summary: 'Every compose project that has containers on the Docker engine, found through the Compose labels.'}),
}

export const targetFlag = {
  target: Flags.string({char: 't', summary: 'Root of the backup tree.', default: './backups'}),
}

/** The scheme config, for the commands that plan items (backup, and restore, which re-plans them). */
export const configFlag = {
  config: Flags.string({
    char: 'c',
    summary: 'Scheme config file (JSON or YAML); - reads standard input. Default: backupbot.json, .yaml or .yml in the current directory.',
  }),
}
