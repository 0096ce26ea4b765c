import { describe, expect, it } from 'vitest';
import { openStrings, upAndNext } from './squad';

const squad = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
const taken = (m: Record<string, number[]>) => new Map(Object.entries(m).map(([k, v]) => [k, new Set(v)]));
const slot = (r: { shooter: { id: string }; string_number: number } | null) =>
  r ? `${r.shooter.id}${r.string_number}` : null;

describe('who is up', () => {
  it('open strings are the numbers no live run holds', () => {
    expect(openStrings(5, new Set([1, 2, 4]))).toEqual([3, 5]);
    expect(openStrings(4, undefined)).toEqual([1, 2, 3, 4]);
  });

  it('nobody shot yet: the first of the squad with string 1, then their string 2', () => {
    const r = upAndNext(squad, 5, taken({}), null);
    expect([slot(r.up), slot(r.next)]).toEqual(['a1', 'a2']);
  });

  it('the current shooter stays up until their strings are done, then the next in squad order', () => {
    let r = upAndNext(squad, 5, taken({ a: [1, 2, 3, 4] }), 'a');
    expect([slot(r.up), slot(r.next)]).toEqual(['a5', 'b1']);
    r = upAndNext(squad, 5, taken({ a: [1, 2, 3, 4, 5] }), 'a');
    expect([slot(r.up), slot(r.next)]).toEqual(['b1', 'b2']);
  });

  it('a voided string frees its number: the reshoot comes first', () => {
    // a shot 1, 2 and 3; 3 was voided (not in taken), 4 and 5 remain.
    const r = upAndNext(squad, 5, taken({ a: [1, 2] }), 'a');
    expect(slot(r.up)).toBe('a3');
  });

  it('wraps round the squad and skips shooters who are done', () => {
    const r = upAndNext(squad, 2, taken({ a: [1, 2], c: [1, 2] }), 'c');
    expect([slot(r.up), slot(r.next)]).toEqual(['b1', 'b2']);
    const done = upAndNext(squad, 2, taken({ a: [1, 2], b: [1, 2], c: [1, 2] }), 'b');
    expect(done).toEqual({ up: null, next: null });
  });

  it('the RO can put anyone up; an unknown current shooter starts from the top', () => {
    expect(slot(upAndNext(squad, 5, taken({}), 'c').up)).toBe('c1');
    expect(slot(upAndNext(squad, 5, taken({}), 'zz').up)).toBe('a1');
    expect(upAndNext([], 5, taken({}), null)).toEqual({ up: null, next: null });
  });
});
