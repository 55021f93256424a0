import type {SchemesHookResult} from 'backupbot'

import {mysqlScheme} from '../index.js'

export default async function schemes(): Promise<SchemesHookResult> {
  return [mysqlScheme]
}
