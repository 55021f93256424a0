import type {SchemesHookResult} from 'backupbot'

import {postgresScheme} from '../index.js'

export default async function schemes(): Promise<SchemesHookResult> {
  return [postgresScheme]
}
