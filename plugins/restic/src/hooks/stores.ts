import type {StoresHookResult} from 'backupbot'

import {resticStore} from '../index.js'

export default async function stores(): Promise<StoresHookResult> {
  return [resticStore]
}
