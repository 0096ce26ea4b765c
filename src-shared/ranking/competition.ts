/**
 * Standard competition ranking ("1224"): equal items share a rank and the next rank skips as
 * many places as were shared (1, 2, 2, 4).
 */

export interface Ranked<T> {
  rank: number;
  item: T;
}

/**
 * Sorts `items` best first by `compare` (negative: `a` ranks ahead of `b`; 0: equal) and ranks
 * them. `tieOrder` only orders equal items for display; it never changes a rank. The sort is
 * stable, so equal items with no `tieOrder` keep their input order. The input is not modified.
 */
export function competitionRank<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  tieOrder?: (a: T, b: T) => number,
): Ranked<T>[] {
  const sorted = [...items].sort((a, b) => compare(a, b) || (tieOrder ? tieOrder(a, b) : 0));
  const out: Ranked<T>[] = [];
  sorted.forEach((item, i) => {
    const prev = out[i - 1];
    const rank = prev && compare(prev.item, item) === 0 ? prev.rank : i + 1;
    out.push({ rank, item });
  });
  return out;
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
