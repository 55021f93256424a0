// A scheme config file that is refused (exit 2) fails the night before any setting is read, so
// its notifications would never go out: an edit that breaks one scheme entry would turn nightly
// backups off silently. Its `$settings.notify` alone is read here and, if that part is sound,
// used to report the refusal.
import {readSchemeConfig} from '../scheme/read-config.js'
import {settingsAjv} from './formats.js'
import {notify as notifySchema} from './schema.js'
import {type NotifySettings, SETTINGS_KEY} from './types.js'

/** The file's `$settings.notify` when it parses and is valid on its own, else undefined. */
export async function salvageNotify(option: string | undefined, cwd: string): Promise<NotifySettings | undefined> {
  // Standard input was read once already.
  if (option === '-') return undefined
  const raw = await readSchemeConfig(option, cwd).catch(() => undefined)
  const settings = (raw?.data as Record<string, unknown> | undefined)?.[SETTINGS_KEY]
  const notify = settings !== null && typeof settings === 'object' ? (settings as Record<string, unknown>).notify : undefined
  if (notify === undefined) return undefined
  return settingsAjv().validate(notifySchema, notify) ? (notify as NotifySettings) : undefined
}
