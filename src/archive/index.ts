import type {ArchiveOps, Logger} from '../scheme.js'

import {extractArchive} from './extract.js'
import {packPath} from './pack-path.js'
import {parallelGzip} from './parallel-gzip.js'

export {extractArchive, type ExtractOptions} from './extract.js'
export {gzipError, openGunzipped} from './gunzip.js'
export {scanTar, type ScanOptions, type TarSummary} from './scan-tar.js'
export {ArchiveEntryError} from './tar-rules.js'

export function archiveOps(log: Logger): ArchiveOps {
  return {
    packPath: (source) => packPath(source, {onSkip: (entry, why) => log.warn(`left out ${entry}: ${why}`)}),
    gzip: () => parallelGzip(),
    extract: (artifact, destination, options) =>
      extractArchive(artifact.file, destination, {replace: options.replace, devices: options.devices, log}),
  }
}
