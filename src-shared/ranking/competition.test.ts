import { describe, expect, it } from 'vitest';
import { compareText, competitionRank } from './competition';

const byScoreDesc = (a: { score: number }, b: { score: number }) => b.score - a.score;

describe('competitionRank', () => {
  it('gives equal items one rank and skips the places they share (1, 2, 2, 4)', () => {
    const items = [
      { name: 'c', score: 80 },
      { name: 'a', score: 100 },
      { name: 'b1', score: 90 },
      { name: 'b2', score: 90 },
    ];
    expect(competitionRank(items, byScoreDesc).map((r) => [r.rank, r.item.name])).toEqual([
      [1, 'a'],
      [2, 'b1'],
      [2, 'b2'],
      [4, 'c'],
    ]);
  });

  it('handles three-way ties, all equal, one item and none', () => {
    const s = (...scores: number[]) =>
      competitionRank(
        scores.map((score) => ({ score })),
        byScoreDesc,
      ).map((r) => r.rank);
    expect(s(10, 9, 9, 9, 8)).toEqual([1, 2, 2, 2, 5]);
    expect(s(5, 5, 5)).toEqual([1, 1, 1]);
    expect(s(1, 1, 2, 2)).toEqual([1, 1, 3, 3]);
    expect(s(7)).toEqual([1]);
    expect(s()).toEqual([]);
  });

  it('orders ties for display with tieOrder without changing their rank', () => {
    const items = [
      { name: 'zed', score: 3 },
      { name: 'amy', score: 3 },
      { name: 'bob', score: 1 },
    ];
    const r = competitionRank(items, byScoreDesc, (a, b) => compareText(a.name, b.name));
    expect(r.map((x) => [x.rank, x.item.name])).toEqual([
      [1, 'amy'],
      [1, 'zed'],
      [3, 'bob'],
    ]);
  });

  it('keeps the input order of ties without tieOrder and leaves the input alone', () => {
    const items = [
      { name: 'x', score: 1 },
      { name: 'y', score: 2 },
      { name: 'z', score: 1 },
    ];
    const copy = structuredClone(items);
    expect(competitionRank(items, byScoreDesc).map((r) => r.item.name)).toEqual(['y', 'x', 'z']);
    expect(items).toEqual(copy);
  });

  it('compares text by code unit, not locale', () => {
    expect(['b', 'a', 'B', 'é', 'e'].sort(compareText)).toEqual(['B', 'a', 'b', 'e', 'é']);
  });
});
