// Hooks that leave a trace, for the tests of $settings.hooks (library and CLI): a host hook that
// appends one line to a notes file, and the lines read back.
import {readFile} from 'node:fs/promises'

import type {HostHook} from '../../src/config/settings/types.js'

/** A shell hook appending `<word> <BACKUPBOT_HOOK> <BACKUPBOT_SERVICE> <BACKUPBOT_STATUS> <BACKUPBOT_ERROR>` to `file`. */
export function noteHook(file: string, word: string, extra: Partial<HostHook> = {}): HostHook {
  return {shell: `echo "${word} $BACKUPBOT_HOOK $BACKUPBOT_SERVICE $BACKUPBOT_STATUS $BACKUPBOT_ERROR" >> '${file}'`, ...extra}
}

/** The notes `noteHook`s wrote, one per line, trailing spaces removed (none when the file does not exist). */
export async function notes(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).map((line) => line.replace(/\s+$/, '').replace(/\s+/g, ' '))
}
