import { describe, expect, it } from 'vitest';
import { virtualWindow } from './virtual';

describe('virtualWindow', () => {
  it('renders the visible rows plus overscan at the top of the list', () => {
    expect(virtualWindow(0, 340, 34, 1000, 5)).toEqual({ start: 0, end: 16, padTop: 0, padBottom: 984 * 34 });
  });
  it('keeps total height constant while scrolled', () => {
    const w = virtualWindow(3400, 340, 34, 1000, 5);
    expect(w.start).toBe(95);
    expect(w.end).toBe(116);
    expect(w.padTop + (w.end - w.start) * 34 + w.padBottom).toBe(1000 * 34);
  });
  it('clamps past the end and handles short or empty lists', () => {
    const w = virtualWindow(1e6, 340, 34, 50, 5);
    expect(w.end).toBe(50);
    expect(w.start).toBe(44);
    expect(w.padBottom).toBe(0);
    expect(virtualWindow(0, 340, 34, 3)).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 });
    expect(virtualWindow(0, 340, 34, 0)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
