// backup() called in the test process, for a compose project the test started: the request the
// backup command would build, with the volume and host directory schemes (plus `schemes`), a
// recording log, and a data dir of the test's own. `config` is the scheme config's path, read and
// validated as the command would (without it, the default names in the project's folder).
import path from 'node:path'

import {hostDirectoriesScheme} from '../../plugins/host-directories/src/index.js'
import {volumesScheme} from '../../plugins/volumes/src/index.js'
import {loadConfigFile} from '../../src/config/scheme/load-config.js'
import type {BackupRequest} from '../../src/run/backup.js'
import type {SchemeDefinition} from '../../src/scheme.js'
import {recordingLogger} from '../../src/testing/index.js'
import {registry, SecretMasker, stores} from './fakes.js'

/** What a test sets of the request: anything but the log, and the scheme config's path. */
export type LibraryRequestOptions = Partial<Omit<BackupRequest, 'log' | 'config'>> & {config?: string}

export async function libraryRequest(
  project: {dir: string; name: string},
  dataDir: string,
  {config, ...extra}: LibraryRequestOptions = {},
  schemes: SchemeDefinition<any, any>[] = [],
): Promise<BackupRequest & {log: ReturnType<typeof recordingLogger>}> {
  const schemeRegistry = registry(volumesScheme, hostDirectoriesScheme, ...schemes)
  return {
    compose: [],
    discover: false,
    cwd: project.dir,
    projectName: project.name,
    env: {},
    services: [],
    config: await loadConfigFile(config, project.dir, schemeRegistry),
    registry: schemeRegistry,
    stores: stores(),
    log: recordingLogger(),
    masker: new SecretMasker(),
    targets: [path.join(dataDir, 'backups')],
    dryRun: false,
    signal: new AbortController().signal,
    version: '0.0.0-test',
    journalDir: path.join(dataDir, 'journal'),
    ...extra,
  }
}
