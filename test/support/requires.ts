// A test that needs something this machine may lack (root, mount, /proc) skips on a developer's
// machine without it, but fails in CI (CI=true), where every test must run.
export function requireCapability(context: Mocha.Context, available: boolean, what: string): void {
  if (available) return
  if (process.env.CI) throw new Error(`CI must be able to run this test, but ${what}`)
  context.skip()
}
