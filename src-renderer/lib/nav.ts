/** View routing by URL hash (`#/live`, …) and the 1–4 keyboard shortcuts. Pure helpers. */
import { VIEWS, type ViewName } from '../state/model';

export const VIEW_LABELS: Record<ViewName, string> = {
  live: 'Live',
  sensors: 'Sensors',
  devices: 'Devices',
  monitor: 'Monitor',
  games: 'Games',
  gateways: 'Gateways',
  ro: 'RO',
  results: 'Results',
  match: 'Match',
  bridges: 'Bridges',
  karting: 'Karting',
};

export function viewFromHash(hash: string): ViewName {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0]?.toLowerCase() ?? '';
  return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : 'live';
}

export function hashFor(view: ViewName): string {
  return `#/${view}`;
}

/** '1'..'4' → a view, for key presses without modifiers. */
export function viewForKey(
  key: string,
  mods: { ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean } = {},
): ViewName | null {
  if (mods.ctrlKey || mods.metaKey || mods.altKey) return null;
  const n = Number.parseInt(key, 10);
  if (!/^[1-9]$/.test(key) || n > VIEWS.length) return null;
  return VIEWS[n - 1] ?? null;
}

/**
 * Row navigation in a table: the index to focus after `key`, or null when the key is not a
 * navigation key.
 */
export function nextRowIndex(key: string, index: number, count: number, page = 10): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return Math.min(count - 1, index + 1);
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return Math.min(count - 1, index + page);
    case 'PageUp':
      return Math.max(0, index - page);
    default:
      return null;
  }
}
