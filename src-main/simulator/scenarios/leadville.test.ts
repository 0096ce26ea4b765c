import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src-shared/ingest';
import { recordScenario } from '../record';

const PARSE = { rangePrefix: 'leadville', maxPayloadBytes: 256 * 1024 };

describe('leadville scenario (the PR51 message bus)', () => {
  it('sends a T0 per beep and per shot, no STOP, nested HITs timed from the last T0; all of it parses', () => {
    const rec = recordScenario({ scenario: 'leadville', seed: 4, durationS: 120 });
    const topics = new Set(rec.messages.map((m) => m.topic));
    expect(topics.has('leadville/timer/events')).toBe(false);
    const t0 = rec.messages
      .filter((m) => m.topic === 'leadville/detection/shots')
      .map((m) => JSON.parse(m.payload));
    expect(t0.length).toBeGreaterThan(6);
    for (const p of t0) expect(p).toMatchObject({ event_type: 'T0', data: { source: 'AMG_Commander' } });
    const hits = rec.messages
      .filter((m) => m.topic === 'leadville/detection/impacts')
      .map((m) => JSON.parse(m.payload));
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) {
      expect(h).toMatchObject({ event_type: 'HIT', data: { sensor_id: h.sensor_id } });
      // A hit lands within a flight time of the shot that made it, not seconds after the beep.
      expect(h.data.t_rel_ms).toBeLessThan(1000);
    }
    for (const m of rec.messages) {
      const r = parseMessage(m.topic, new TextEncoder().encode(m.payload), Date.UTC(2026, 0, 1), PARSE);
      expect(r.outcome, `${m.topic} ${m.payload}`).toBe('events');
    }
  });
});
