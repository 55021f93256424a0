// The public SDK for plugin authors: types only. Plugins import it with `import type`, so an
// installed plugin needs nothing of the core at run time. Fakes for their tests: backupbot/testing.
export type * from './scheme.js'
export type * from './store.js'
