// Every value registered here is replaced by `***` wherever backupbot prints: logs, errors, --json.
export class SecretMasker {
  private readonly values = new Set<string>()

  add(value: string): void {
    if (value.length > 0) this.values.add(value)
  }

  mask(text: string): string {
    let out = text
    // Longest first, so a secret that contains another is masked whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join('***')
    }
    return out
  }

  /** A copy of a JSON-like value with every string masked; keys, order and other values kept. */
  maskValues<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T
    if (Array.isArray(value)) return value.map((v) => this.maskValues(v)) as T
    if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      // fromEntries defines own properties, so a key like `__proto__` stays a plain key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskValues(v)])) as T
    }
    return value
  }
}
