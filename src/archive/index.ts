// The ArchiveOps a scheme gets in its context: packing, parallel gzip and safe extraction.
import type {ArchiveOps, Logger} from '../scheme.js'

import {extractArchive} from './extract.js'
import {packPath} from './pack-path.js'
import {parallelGzip} from './parallel-gzip.js'

export function archiveOps(log: Logger): ArchiveOps {
  return {
    packPath: (source) => packPath(source, {onSkip: (entry, why) => log.warn(`left out ${entry}: ${why}`)}),
    gzip: () => parallelGzip(),
    extract: (artifact, destination, options) =>
      extractArchive(artifact.file, destination, {replace: options.replace, devices: options.devices, log}),
  }
}
