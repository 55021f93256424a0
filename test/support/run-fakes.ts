// Shared by the runBackup, restore and verify tests: hand-built plans located in a temp target,
// small fake schemes and item contexts made from backupbot/testing's fakeRunContext.
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Writable} from 'node:stream'

import type {Compression} from '../../src/archive/compression.js'
import type {LocatedItem, Plan} from '../../src/plan/make-plan.js'
import type {PlanningOptions} from '../../src/plan/plan-projects.js'
import type {ItemContext} from '../../src/run/item-context.js'
import type {OpenStoreOptions} from '../../src/run/open-store.js'
import type {RunInput} from '../../src/run/run-backup.js'
import type {BackupItem, PlannedItem, RunContext, SchemeDefinition} from '../../src/scheme.js'
import {LocalStore} from '../../src/target/local-store.js'
import {type FakeRunOptions, fakeRunContext, recordingLogger} from '../../src/testing/index.js'
import {SecretMasker, project, quietLogger, registry, service, stores} from './fakes.js'

/**
 * For each test of the describe() it is called in: DOCKER_HOST at a socket that does not exist,
 * so that any engine call fails at once instead of reaching a real engine.
 */
export function withoutEngine(): void {
  let saved: string | undefined
  beforeEach(function () {
    saved = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = 'unix:///nonexistent/backupbot-unit-tests/docker.sock'
  })
  afterEach(function () {
    if (saved === undefined) delete process.env.DOCKER_HOST
    else process.env.DOCKER_HOST = saved
  })
}

/**
 * What backup() and restore() plan and open stores from: the compose project in `cwd` (zero
 * config), the installed `schemes`, no store plugins, a recording log.
 */
export function planningOf(cwd: string, schemes: SchemeDefinition<any, any>[]): PlanningOptions & OpenStoreOptions & {log: ReturnType<typeof recordingLogger>} {
  return {compose: [], discover: false, cwd, env: {}, services: [], registry: registry(...schemes), stores: stores(), log: recordingLogger(), masker: new SecretMasker()}
}

/** A fresh temp dir per test, removed afterwards. Call inside a describe(). */
export function useTempDir(prefix = 'backupbot-run-'): () => string {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })
  return () => dir
}

export async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}

export type BackupFn = (ctx: RunContext, item: BackupItem, out: Writable) => Promise<void>

/** A scheme whose backup is `backup`; plan is never called by runBackup. */
export function scheme(type: string, backup: BackupFn, extra: Partial<SchemeDefinition<any, any>> = {}): SchemeDefinition<any, any> {
  return {type, apiVersion: 2, description: `fake ${type}`, optionsSchema: {type: 'object'}, plan: async () => [], backup, ...extra}
}

/** Writes `text` into the artifact in small chunks, then ends it. */
export const writes =
  (text: string | Buffer, chunk = 7): BackupFn =>
  async (_ctx, _item, out) => {
    const data = Buffer.from(text)
    for (let i = 0; i < data.length; i += chunk) {
      if (!out.write(data.subarray(i, i + chunk))) await new Promise((resolve) => out.once('drain', resolve))
    }
    out.end()
  }

/** A located item of service `db`, as makePlan would give it, and (for the tests) its folder in the local tree at `target`. */
export function located(target: string, name: string, schemeType: string, extra: Partial<PlannedItem> & {compression?: Compression} = {}): LocatedItem & {itemDir: string} {
  const {compression = 'gzip', ...rest} = extra
  const planned: PlannedItem = {folder: 'things', name, source: `source of ${name}`, extension: '.txt', compress: false, data: {}, ...rest}
  const key = {project: 'shop', service: 'db', folder: planned.folder, name: planned.name}
  return {...planned, service: 'db', scheme: schemeType, key, origin: 'db[0]', compression, itemDir: new LocalStore(target).where(key)}
}

export function planOf(items: LocatedItem[]): Plan {
  return {project: project([service('db')]), items}
}

export interface ContextLog {
  /** Every fake context made, in order, with its item's name. */
  made: Array<{item: string; abort: (reason?: Error) => void; lines: string[]}>
}

/**
 * A RunInput.context factory over fakeRunContext. `options(item, onDowntime)` adds fake engine
 * members per item; `settled(item)` runs when runBackup awaits the item's settled().
 */
export function contexts(
  hooks: {
    options?: (item: LocatedItem, onDowntime: (seconds: number) => void) => FakeRunOptions
    settled?: (item: LocatedItem) => Promise<void>
    /** Called with each context as it is made (e.g. to abort it before it runs). */
    made?: (item: LocatedItem, fake: ReturnType<typeof fakeRunContext>) => void
  } = {},
): RunInput['context'] & ContextLog {
  const made: ContextLog['made'] = []
  const factory = (_plan: Plan, item: LocatedItem, onDowntime: (seconds: number) => void): ItemContext => {
    const fake = fakeRunContext({scheme: item.scheme, ...hooks.options?.(item, onDowntime)})
    made.push({item: item.name, abort: fake.abort, lines: fake.log.lines})
    hooks.made?.(item, fake)
    return {context: fake.ctx, settled: async () => hooks.settled?.(item)}
  }
  return Object.assign(factory, {made})
}

export function runInput(target: string, items: LocatedItem[], schemes: SchemeDefinition<any, any>[], extra: Partial<RunInput> = {}): RunInput {
  return {plans: [planOf(items)], registry: registry(...schemes), stores: [new LocalStore(target)], context: contexts(), masker: new SecretMasker(), log: quietLogger(), version: '9.9.9', ...extra}
}

/** Resolves once `open()` is called; for holding a fake scheme in the middle of its work. */
export function gate(): {open: () => void; opened: Promise<void>} {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return {open, opened}
}
