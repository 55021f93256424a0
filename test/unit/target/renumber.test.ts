import {expect} from 'chai'

import {planRenames} from '../../../src/target/renumber.js'

describe('planRenames', () => {
  it('makes every subset of 0..7 dense 1..k in order, never renaming onto an existing number', () => {
    for (let mask = 0; mask < 256; mask++) {
      const numbers = [0, 1, 2, 3, 4, 5, 6, 7].filter((n) => mask & (1 << n))
      // Simulate on a map number -> original number, so order is checked after every step too.
      const present = new Map(numbers.map((n) => [n, n]))
      for (const {from, to} of planRenames(numbers)) {
        expect(from, `${numbers}: no-op`).to.not.equal(to)
        expect(present.has(from), `${numbers}: ${from} missing`).to.equal(true)
        expect(present.has(to), `${numbers}: ${from}->${to} collides`).to.equal(false)
        present.set(to, present.get(from)!)
        present.delete(from)
        const order = [...present.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])
        expect(order, `${numbers}: order changed`).to.deep.equal([...order].sort((a, b) => a - b))
      }
      const final = [...present.entries()].sort((a, b) => a[0] - b[0])
      expect(final, String(numbers)).to.deep.equal(numbers.map((n, i) => [i + 1, n]))
    }
  })

  it('returns nothing for an already dense list and accepts unsorted input', () => {
    expect(planRenames([1, 2, 3])).to.deep.equal([])
    expect(planRenames([])).to.deep.equal([])
    expect(planRenames([5, 2])).to.deep.equal([{from: 2, to: 1}, {from: 5, to: 2}])
    expect(planRenames([0, 1, 2])).to.deep.equal([{from: 2, to: 3}, {from: 1, to: 2}, {from: 0, to: 1}])
  })

  it('rejects duplicates and negative numbers', () => {
    expect(() => planRenames([1, 1])).to.throw(/duplicate/)
    expect(() => planRenames([-1])).to.throw()
  })
})
