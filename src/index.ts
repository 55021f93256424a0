// The public SDK for scheme plugin authors: types only. Plugins import it with `import type`,
// so an installed plugin needs nothing of the core at run time.
export type * from './scheme.js'
