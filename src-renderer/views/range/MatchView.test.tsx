// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MatchDetail, MatchRow } from '../../../src-shared/contract/range';
import { DEMO_MATCH_NAME } from '../../../src-shared/range/demo-match';
import { renderView } from '../../../tests/support/renderer/renderView';
import { MatchView } from './MatchView';

afterEach(cleanup);

const row = (match_id: string, name: string): MatchRow => ({
  match_id,
  name,
  date: '2026-06-06',
  created_at: '2026-06-06T08:00:00.000Z',
  stages: 0,
  shooters: 0,
  runs: 0,
});

function handlers(matches: MatchRow[]) {
  return {
    'match.list': () => ({ matches }),
    'match.get': (req: { match_id: string }): MatchDetail => ({
      match: matches.find((m) => m.match_id === req.match_id)!,
      stages: [],
      shooters: [],
      squads: [],
    }),
    'match.demo': (): MatchDetail => ({
      match: row('m-new', DEMO_MATCH_NAME),
      stages: [],
      shooters: [],
      squads: [],
    }),
  };
}

describe('Match view: the demo match', () => {
  it('asks before a second demo match, creates none, and offers the existing one', async () => {
    const v = renderView(
      <MatchView />,
      handlers([row('m-club', 'Club match'), row('m-demo', DEMO_MATCH_NAME)]),
    );
    const select = (await screen.findByTestId('match-select')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('m-club'));

    fireEvent.click(screen.getByTestId('match-demo'));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(dialog.textContent).toContain('already exists');
    expect(v.calls.some((c) => c.name === 'match.demo')).toBe(false);

    fireEvent.click(screen.getByTestId('confirm-ok'));
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    await waitFor(() => expect(select.value).toBe('m-demo'));
    expect(v.calls.some((c) => c.name === 'match.demo')).toBe(false);
  });

  it('creates the demo match straight away when there is none', async () => {
    const v = renderView(<MatchView />, handlers([row('m-club', 'Club match')]));
    await screen.findByTestId('match-select');
    fireEvent.click(screen.getByTestId('match-demo'));
    await waitFor(() => expect(v.calls.some((c) => c.name === 'match.demo')).toBe(true));
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
  });
});
