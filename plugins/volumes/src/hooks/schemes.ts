import type {SchemesHookResult} from 'backupbot'

import {volumesScheme} from '../index.js'

export default async function schemes(): Promise<SchemesHookResult> {
  return [volumesScheme]
}
