// Stores for the tests of what the core does with a store a plugin provides: the local tree
// underneath, with the contract's optional parts (several machines, a store-wide check, a lock
// that cannot be reached) switched on, and what the core asked of them recorded.
import {resolve} from 'node:path'

import type {ItemListing, ListFilter, Store, StoreContext, StoreDefinition, VersionListing} from '../../src/store.js'
import {LocalStore} from '../../src/target/local-store.js'

/** A kind of store (prefix `prefix`) whose open() makes `make(location, ctx)`; every context it got is kept in `contexts`. */
export function storeKind(prefix: string, make: (location: string, ctx: StoreContext) => Store): StoreDefinition & {contexts: StoreContext[]} {
  const contexts: StoreContext[] = []
  return {
    prefix,
    apiVersion: 1,
    description: `fake ${prefix} store`,
    contexts,
    open(location, ctx) {
      contexts.push(ctx)
      return make(location, ctx)
    },
  }
}

/**
 * A local tree that says several machines share it: each listed item is `host`'s, and what
 * list() and version() were asked is recorded. `check`, when given, is its store-wide check.
 */
export class SharedTree extends LocalStore {
  override readonly hosts: boolean = true
  readonly lists: ListFilter[] = []
  readonly versionsFrom: Array<{host?: string} | undefined> = []

  constructor(
    location: string,
    private readonly host = 'nas',
  ) {
    super(location)
  }

  override async list(filter: ListFilter = {}): Promise<ItemListing[]> {
    this.lists.push(filter)
    return (await super.list(filter)).map((item) => ({...item, host: this.host, project: 'shop'}))
  }

  override version(...[key, number, from]: Parameters<Store['version']>): Promise<VersionListing | undefined> {
    this.versionsFrom.push(from)
    return super.version(key, number)
  }
}

/** The kind of store `shared:<folder>`: a SharedTree in that folder; `opened` holds each one made. */
export function sharedKind(root = '/'): {definition: StoreDefinition; opened: SharedTree[]} {
  const opened: SharedTree[] = []
  const definition = storeKind('shared', (location) => {
    opened.push(new SharedTree(resolve(root, location)))
    return opened.at(-1)!
  })
  return {definition, opened}
}

/** A local tree with a store-wide check that answers `checks`, or throws `fail`; its calls are recorded. */
export class CheckedTree extends LocalStore {
  readonly checked: Array<{readData: boolean}> = []

  constructor(
    location: string,
    private readonly outcome: {checks?: string[]; fail?: string} = {},
  ) {
    super(location)
  }

  async check(options: {readData: boolean}): Promise<string[]> {
    this.checked.push(options)
    if (this.outcome.fail) throw new Error(this.outcome.fail)
    return this.outcome.checks ?? ['fake check']
  }
}

/** A store whose lock() rejects with `error` (a repository behind a network that is down); write() is recorded and refused. */
export class UnreachableStore extends LocalStore {
  writes = 0

  constructor(
    location: string,
    private readonly error: Error,
  ) {
    super(location)
  }

  override lock(): Promise<() => Promise<void>> {
    return Promise.reject(this.error)
  }

  override write(...args: Parameters<Store['write']>): ReturnType<Store['write']> {
    this.writes++
    return super.write(...args)
  }
}
