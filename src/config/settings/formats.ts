// The string formats of the settings file that JSON Schema cannot express: whether a cron
// expression parses, a time zone exists, a URL is http(s) and a duration is restic's. The
// validator registers them with ajv, so that they are reported with every other problem (file,
// path, hint); editors, which do not know them, skip them.
import {Ajv} from 'ajv'
import {CronPattern} from 'croner'

import {DURATION_HELP, durationProblem} from '../../target/retention.js'

export interface SettingsFormat {
  /** Why `value` is not of the format, or undefined when it is. Never quotes a URL: it may hold a token. */
  problem(value: string): string | undefined
  hint: string
}

export const SETTINGS_FORMATS = {
  'http-url': {
    problem: (value) => (isHttpUrl(value) ? undefined : 'must be an http:// or https:// URL'),
    hint: 'write the whole URL, e.g. https://hc-ping.com/<uuid>',
  },
  cron: {
    problem: cronProblem,
    hint: 'five fields (minute hour day-of-month month day-of-week) or six (with seconds first), e.g. "0 3 * * *" for 03:00 every day',
  },
  'iana-timezone': {
    problem: (value) => (isTimeZone(value) ? undefined : `unknown time zone ${JSON.stringify(value)}`),
    hint: 'an IANA time zone such as Europe/Berlin, America/New_York or UTC (timedatectl list-timezones lists them)',
  },
  'restic-duration': {
    problem: (value) => {
      const why = durationProblem(value)
      return why && `${JSON.stringify(value)} is not a duration: ${why}`
    },
    hint: DURATION_HELP,
  },
} satisfies Record<string, SettingsFormat>

export type SettingsFormatName = keyof typeof SETTINGS_FORMATS

/** The validator of the config file, with the settings' formats registered. */
export function settingsAjv(): Ajv {
  const ajv = new Ajv({allErrors: true, strict: false, verbose: true})
  for (const [name, format] of Object.entries(SETTINGS_FORMATS)) ajv.addFormat(name, (value: string) => format.problem(value) === undefined)
  return ajv
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

function cronProblem(value: string): string | undefined {
  try {
    // The pattern alone: croner's Cron would take a string with a colon for a date to run once.
    new CronPattern(value)
    return undefined
  } catch (error) {
    return `not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', {timeZone: value})
    return true
  } catch {
    return false
  }
}
