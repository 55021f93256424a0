// Renumbering versions to 1..k is a sequence of renames, and a kill can stop it after any of
// them. The plan below keeps every intermediate state valid: no rename ever lands on an
// occupied number and the newest-to-oldest order never changes, so a half-done rotation is
// just a set of versions with gaps that the next run finishes.

export interface Rename {
  from: number
  to: number
}

/**
 * Renames that turn the version numbers present (distinct non-negative integers, lower = newer)
 * into 1..k in the same order, without no-ops, in a safe order to apply one by one.
 */
export function planRenames(numbers: number[]): Rename[] {
  const sorted = [...numbers].sort((a, b) => a - b)
  for (const [i, n] of sorted.entries()) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad version number ${n}`)
    if (i > 0 && sorted[i - 1] === n) throw new Error(`duplicate version number ${n}`)
  }

  const down: Rename[] = []
  const up: Rename[] = []
  for (const [i, from] of sorted.entries()) {
    const to = i + 1
    if (from > to) down.push({from, to})
    else if (from < to) up.push({from, to})
  }
  // Shifts are monotone: a down-mover's target is free once every newer one has moved, so go
  // newest-first; up-movers (only a 0,1,..,m prefix, each +1) go oldest-first for the same reason.
  return [...down, ...up.reverse()]
}
