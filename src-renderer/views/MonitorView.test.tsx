// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorBatch, MonitorMessage } from '../../src-shared/contract/types';
import { renderView } from '../../tests/support/renderer/renderView';
import { MonitorView } from './MonitorView';

afterEach(cleanup);

function msg(topic: string, preview: string, outcome: MonitorMessage['outcome'] = 'event'): MonitorMessage {
  return {
    topic,
    received_at: '2026-03-01T10:00:00.000Z',
    preview,
    bytes: preview.length,
    retained: false,
    qos: 1,
    outcome,
    ...(outcome === 'reject' ? { reason: 'invalid json' } : {}),
  };
}

function batch(messages: MonitorMessage[], skipped = 0): MonitorBatch {
  return { messages, skipped };
}

const handlers = {
  'rejects.list': () => ({ rejects: [], total: 0 }),
};

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('monitor-row');
}

describe('Monitor view', () => {
  it('waits for traffic, then lists pushed messages newest first', async () => {
    const v = renderView(<MonitorView />, handlers);
    expect(screen.getByTestId('monitor-empty').textContent).toContain('No messages yet');

    await v.push(
      'monitor',
      batch([
        msg('leadville/timer/events', '{"event_type":"START"}'),
        msg('leadville/sensor/bt50-1/status', '{"online":true}'),
      ]),
    );
    await v.push('monitor', batch([msg('whackamole/cab-1/events', '{oops', 'reject')], 40));

    expect(rows().map((r) => within(r).getByTitle(/./).textContent)).toEqual([
      'whackamole/cab-1/events',
      'leadville/sensor/bt50-1/status',
      'leadville/timer/events',
    ]);
    expect(rows()[0]!.dataset.outcome).toBe('reject');
    const counters = screen.getByTestId('monitor-counters').textContent;
    expect(counters).toContain('3 received');
    expect(counters).toContain('40 thinned by the core');
  });

  it('an MQTT topic filter narrows the list to the matching topics', async () => {
    const v = renderView(<MonitorView />, handlers);
    await v.push(
      'monitor',
      batch([
        msg('leadville/timer/events', '{}'),
        msg('leadville/sensor/bt50-1/status', '{}'),
        msg('leadville/sensor/bt50-2/status', '{}'),
      ]),
    );
    fireEvent.change(screen.getByTestId('monitor-filter'), {
      target: { value: 'leadville/sensor/+/status' },
    });
    expect(await screen.findByText('MQTT filter')).toBeTruthy();
    expect(rows().map((r) => within(r).getByTitle(/./).textContent)).toEqual([
      'leadville/sensor/bt50-2/status',
      'leadville/sensor/bt50-1/status',
    ]);
  });

  it('paused, new pushes are counted but the list stays still until resumed', async () => {
    const v = renderView(<MonitorView />, handlers);
    await v.push('monitor', batch([msg('a/1', '{}')]));
    fireEvent.click(screen.getByTestId('monitor-pause'));
    await v.push('monitor', batch([msg('a/2', '{}'), msg('a/3', '{}')]));
    expect(rows()).toHaveLength(1);
    expect(screen.getByTestId('monitor-paused').textContent).toContain('2 new since pausing');
    fireEvent.click(screen.getByTestId('monitor-pause'));
    expect(rows()).toHaveLength(3);
  });

  it('a selected message shows its payload pretty-printed, as text', async () => {
    const v = renderView(<MonitorView />, handlers);
    await v.push('monitor', batch([msg('leadville/timer/events', '{"event_type":"SHOT","time_ms":1520}')]));
    fireEvent.click(rows()[0]!);
    const payload = screen.getByTestId('monitor-payload');
    expect(payload.textContent).toBe(JSON.stringify({ event_type: 'SHOT', time_ms: 1520 }, null, 2));
  });
});
