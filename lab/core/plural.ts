/**
 * Counts for messages: `1 problem`, `2 problems`, `1 audit entry`,
 * `3 audit entries`. English only.
 */

/**
 * Formats a count with its noun, singular for exactly 1 and plural otherwise
 * (0 included). Pass `plural` for nouns that do not take a plain `s`.
 */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
