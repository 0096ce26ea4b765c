import { describe, expect, it } from 'vitest';
import { hashFor, nextRowIndex, viewForKey, viewFromHash } from './nav';
import { VIEWS } from '../state/model';

describe('view routing', () => {
  it('reads the view from the hash and defaults to live', () => {
    expect(viewFromHash('#/monitor')).toBe('monitor');
    expect(viewFromHash('#sensors')).toBe('sensors');
    expect(viewFromHash('#/Devices?x=1')).toBe('devices');
    expect(viewFromHash('')).toBe('live');
    expect(viewFromHash('#/<script>')).toBe('live');
    expect(viewFromHash(hashFor('sensors'))).toBe('sensors');
  });
  it('maps 1–4 to views, ignoring modified keys and other digits', () => {
    expect(viewForKey('1')).toBe('live');
    expect(viewForKey('2')).toBe('sensors');
    expect(viewForKey('3')).toBe('devices');
    expect(viewForKey('4')).toBe('monitor');
    // One past the last view (views are added by capabilities; keys go up to 9).
    if (VIEWS.length < 9) expect(viewForKey(String(VIEWS.length + 1))).toBeNull();
    expect(viewForKey('0')).toBeNull();
    expect(viewForKey('a')).toBeNull();
    expect(viewForKey('1', { ctrlKey: true })).toBeNull();
    expect(viewForKey('2', { metaKey: true })).toBeNull();
  });
});

describe('nextRowIndex', () => {
  it('moves within bounds', () => {
    expect(nextRowIndex('ArrowDown', 0, 3)).toBe(1);
    expect(nextRowIndex('ArrowDown', 2, 3)).toBe(2);
    expect(nextRowIndex('ArrowUp', 0, 3)).toBe(0);
    expect(nextRowIndex('Home', 2, 3)).toBe(0);
    expect(nextRowIndex('End', 0, 3)).toBe(2);
    expect(nextRowIndex('PageDown', 0, 30)).toBe(10);
    expect(nextRowIndex('PageUp', 5, 30)).toBe(0);
  });
  it('ignores other keys and empty tables', () => {
    expect(nextRowIndex('Enter', 0, 3)).toBeNull();
    expect(nextRowIndex('ArrowDown', 0, 0)).toBeNull();
  });
});
