import type {SchemesHookResult} from 'backupbot'

import {execScheme} from '../index.js'

// oclif calls this for the `backupbot:schemes` event; the core collects every plugin's answer.
export default async function schemes(): Promise<SchemesHookResult> {
  return [execScheme]
}
