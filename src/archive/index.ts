import type {ArchiveOps, Logger} from '../scheme.js'

import {packPath} from './pack-path.js'
import {parallelGzip} from './parallel-gzip.js'

export function archiveOps(log: Logger): ArchiveOps {
  return {
    packPath: (source) => packPath(source, {onSkip: (entry, why) => log.warn(`left out ${entry}: ${why}`)}),
    gzip: () => parallelGzip(),
  }
}
