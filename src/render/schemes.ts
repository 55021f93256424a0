// Human-readable output of `schemes` (stdout); --json prints the listing instead.
import type {SchemesListing} from '../schemes/registry.js'

export function renderSchemes(listing: SchemesListing): string {
  return listing.schemes.map((s) => `${s.type.padEnd(26)} ${s.plugin.padEnd(36)} ${s.description}`).join('\n') || 'no schemes installed'
}
