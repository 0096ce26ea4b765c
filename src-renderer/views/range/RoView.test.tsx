// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, MatchDetail, RoState, RunDetail } from '../../../src-shared/contract/range';
import { closed, running, station, T0, TIMER } from '../../../tests/support/renderer/rangeFixtures';
import { renderView } from '../../../tests/support/renderer/renderView';
import { RoView } from './RoView';

afterEach(cleanup);

/** A core that answers the RO screen's loads with whatever run it holds now. */
function core() {
  let run: RunDetail | null = null;
  let loads = 0;
  const stationRow = {
    ...station(TIMER),
    timer: { timer_id: TIMER, name: 'AMG Commander', online: true, remote_start: true, battery: 90 },
  };
  const handlers = {
    'station.list': () => ({ stations: [stationRow], timers: [stationRow.timer] }),
    'ro.state': (): RoState => {
      loads++;
      return { station: stationRow, match: null, stage: null, run, pending: null, squad: [] };
    },
    'match.list': () => ({ matches: [] }),
  };
  return {
    handlers,
    loads: () => loads,
    set(r: RunDetail) {
      run = r;
      return r;
    },
  };
}

describe('RO view', () => {
  it('waits for a string, shows it running when the push comes, then its time when it stops', async () => {
    const c = core();
    const v = renderView(<RoView />, c.handlers);
    expect((await screen.findByTestId('ro-state')).textContent).toBe('waiting');

    await v.push('range', {
      runs: [c.set(running('run-1', T0 + 800, { shot_count: 1, last_shot_ms: 640 }))],
      stations: [],
    });
    expect(screen.getByTestId('ro-state').textContent).toBe('running');
    expect(screen.getByTestId('ro-shooter').textContent).toBe('Ann');
    expect(screen.getByTestId('ro-clock-box').dataset.state).toBe('running');
    expect(screen.getByTestId('ro-stop')).toBeTruthy();

    await v.push('range', { runs: [c.set(closed('run-1', T0 + 5000, 4210))], stations: [] });
    expect(screen.getByTestId('ro-state').textContent).toBe('review');
    expect(screen.getByTestId('ro-clock').textContent).toBe('4.21');
    expect(screen.getByTestId('ro-approve').hasAttribute('disabled')).toBe(false);
  });

  it('an RO state answered before the stop but delivered after it does not start the clock again', async () => {
    const c = core();
    // The core's answer to the next load was built while the string still ran.
    c.set(running('run-1', T0 + 4900));
    const v = renderView(<RoView />, c.handlers);
    await screen.findByText('run-1', { exact: false });
    await v.push('range', { runs: [closed('run-1', T0 + 5000, 4210)], stations: [] });
    // The push changed the string's state, so the screen reloads the RO state: the stale answer.
    await waitFor(() => expect(c.loads()).toBeGreaterThanOrEqual(2));
    // …and lets its answer reach the screen.
    await act(async () => {});
    expect(screen.getByTestId('ro-state').textContent).toBe('review');
    expect(screen.getByTestId('ro-clock').textContent).toBe('4.21');
  });

  it('strings of another timer do not show on this one', async () => {
    const c = core();
    const v = renderView(<RoView />, c.handlers);
    await screen.findByTestId('ro-state');
    await v.push('range', {
      runs: [running('run-9', T0 + 800, { timer_id: 'amg-2', shooter_name: 'Bob' })],
      stations: [],
    });
    expect(screen.getByTestId('ro-state').textContent).toBe('waiting');
    expect(screen.queryByText('Bob')).toBeNull();
  });

  it('folds the station pickers into one line once a stage is set, and opens them on demand', async () => {
    const c = core();
    const set = { ...station(TIMER), match_id: 'm1', stage_id: 's1', squad: 'A' };
    const detail = {
      match: {
        match_id: 'm1',
        name: 'Club match',
        date: null,
        created_at: '',
        stages: 1,
        shooters: 0,
        runs: 0,
      },
      stages: [{ stage_id: 's1', match_id: 'm1', position: 1, code: 'SC-101', name: '5 To Go' }],
      shooters: [],
      squads: ['A'],
    } as unknown as MatchDetail;
    renderView(<RoView />, {
      ...c.handlers,
      'station.list': () => ({ stations: [set], timers: [] }),
      'ro.state': (): RoState => ({
        station: set,
        match: null,
        stage: null,
        run: null,
        pending: null,
        squad: [],
      }),
      'match.get': () => detail,
    });
    const summary = await screen.findByTestId('ro-station-summary');
    await waitFor(() => expect(summary.textContent).toContain('SC-101 5 To Go'));
    expect(summary.textContent).toContain('Squad A');
    expect(screen.queryByTestId('ro-timer')).toBeNull();
    fireEvent.click(screen.getByTestId('ro-station-change'));
    expect(screen.getByTestId('ro-timer')).toBeTruthy();
    fireEvent.click(screen.getByTestId('ro-station-done'));
    expect(screen.queryByTestId('ro-timer')).toBeNull();
  });

  it('a running string already shows its score line, so stopping it adds nothing above approve', async () => {
    const c = core();
    c.set(running('run-1', T0 + 800, { shot_count: 1, last_shot_ms: 640 }));
    renderView(<RoView />, c.handlers);
    expect((await screen.findByTestId('ro-score-total')).textContent).toBe('—');
    expect(screen.getByTestId('ro-approve').hasAttribute('disabled')).toBe(true);
  });

  it('a penalty key on an approved string asks for the RO decision and its reason, and the trail says so', async () => {
    const c = core();
    const entry = (over: Partial<AuditEntry>): AuditEntry => ({
      id: 1,
      run_id: 'run-1',
      kind: 'approval',
      field: null,
      old: null,
      new: null,
      reason: null,
      who: 'Ann',
      role: 'shooter',
      at: new Date(T0 + 6000).toISOString(),
      note: null,
      rejected: null,
      ...over,
    });
    const base = closed('run-1', T0 + 5000, 4210);
    const approved: RunDetail = {
      ...base,
      state: 'approved',
      current: { ...base.current!, approved: true },
      history: [entry({})],
    };
    c.set(approved);
    const changes: unknown[] = [];
    const v = renderView(<RoView />, {
      ...c.handlers,
      'score.change': (req) => {
        changes.push(req);
        return {
          ...approved,
          current: { ...approved.current!, misses: 1 },
          history: [
            entry({}),
            entry({
              id: 2,
              kind: 'change',
              field: 'misses',
              old: 0,
              new: 1,
              reason: 'correction',
              who: 'RO',
              role: 'RO',
              note: (req as { note: string }).note,
            }),
          ],
        };
      },
    });
    await waitFor(() => expect(screen.getByTestId('ro-approve').textContent).toContain('Approved by Ann'));
    fireEvent.keyDown(window, { key: 'm' });
    const dialog = await screen.findByTestId('reason-dialog');
    expect(dialog.textContent).toContain('approved');
    expect(changes).toHaveLength(0);
    // No reason, no decision.
    expect(screen.getByTestId('reason-ok').hasAttribute('disabled')).toBe(true);
    fireEvent.change(screen.getByTestId('reason-input'), { target: { value: 'video shows P3 missed' } });
    fireEvent.click(screen.getByTestId('reason-ok'));
    await waitFor(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toMatchObject({ field: 'misses', delta: 1, reason: 'correction', role: 'RO' });
    expect((changes[0] as { note: string }).note).toContain('video shows P3 missed');
    expect(v.calls.filter((x) => x.name === 'score.change')).toHaveLength(1);
    await waitFor(() => expect(screen.getAllByTestId('ro-history-entry')).toHaveLength(2));
    const rows = screen.getAllByTestId('ro-history-entry');
    expect(rows[1]!.dataset.afterApproval).toBe('true');
    expect(rows[1]!.textContent).toContain('decision after approval');
    expect(rows[0]!.dataset.afterApproval).toBe('false');
  });
});
