// What a run reports its bytes to while it writes an item (src/render/progress.ts draws it on a
// terminal). Optional: without one, a run reports nothing.
export interface Progress {
  /** Starts showing `label`; returns the byte counter to feed and the function that ends it. */
  start(label: string): {update(bytes: number): void; done(): void}
}
