// The ArchiveOps a scheme gets in its context: packing and safe extraction (compression is the
// core's, see src/run/compress.ts).
import type {ArchiveOps, Logger} from '../scheme.js'

import {extractArchive} from './extract.js'
import {packPath} from './pack-path.js'

/** `signal` stops an extraction at once (an interrupted restore must not go on writing). */
export function archiveOps(log: Logger, signal?: AbortSignal): ArchiveOps {
  return {
    packPath: (source) => packPath(source, {onSkip: (entry, why) => log.warn(`left out ${entry}: ${why}`)}),
    extract: (artifact, destination, options) =>
      extractArchive(artifact.content, destination, {replace: options.replace, devices: options.devices, log, signal, name: artifact.file}),
  }
}
