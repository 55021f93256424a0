// backup() called in the test process, for a compose project the test started: the request the
// backup command would build, with the volume and host directory schemes (plus `schemes`), a
// recording log, and a data dir of the test's own.
import path from 'node:path'

import {hostDirectoriesScheme} from '../../plugins/host-directories/src/index.js'
import {volumesScheme} from '../../plugins/volumes/src/index.js'
import type {BackupRequest} from '../../src/run/backup.js'
import type {SchemeDefinition} from '../../src/scheme.js'
import {recordingLogger} from '../../src/testing/index.js'
import {registry, SecretMasker, stores} from './fakes.js'

export function libraryRequest(
  project: {dir: string; name: string},
  dataDir: string,
  extra: Partial<Omit<BackupRequest, 'log'>> = {},
  schemes: SchemeDefinition<any, any>[] = [],
): BackupRequest & {log: ReturnType<typeof recordingLogger>} {
  return {
    compose: [],
    discover: false,
    cwd: project.dir,
    projectName: project.name,
    env: {},
    services: [],
    registry: registry(volumesScheme, hostDirectoriesScheme, ...schemes),
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
