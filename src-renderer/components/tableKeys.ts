import type { KeyboardEvent } from 'react';
import { nextRowIndex } from '../lib/nav';

/**
 * Arrow/Home/End/PageUp/PageDown move focus between the focusable rows (`tr[tabindex]`) of the
 * table body the handler is attached to.
 */
export function onRowNavKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const rows = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('tr[tabindex]'));
  const index = rows.indexOf(document.activeElement as HTMLElement);
  if (index < 0) return;
  const next = nextRowIndex(e.key, index, rows.length);
  if (next === null) return;
  e.preventDefault();
  rows[next]?.focus();
}

/** Enter or Space on a focused row activates it (like a click). */
export function activateOnKey(e: KeyboardEvent<HTMLElement>, activate: () => void): void {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    activate();
  }
}
