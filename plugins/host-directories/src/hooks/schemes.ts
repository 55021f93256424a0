import type {SchemesHookResult} from 'backupbot'

import {hostDirectoriesScheme} from '../index.js'

export default async function schemes(): Promise<SchemesHookResult> {
  return [hostDirectoriesScheme]
}
