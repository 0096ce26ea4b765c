/**
 * Sequence gaps in telemetry: a sensor's samples carry a `seq` that grows by one per sample (or
 * per message, which numbers a batch's samples `seq`, `seq + 1`, …). A jump forward is counted
 * as missing messages; a repeat or a step back (a redelivery, a late message) is not; a big step
 * back is the sensor restarting its count. Kept since the process started.
 */
export interface GapRow {
  sensor_id: string;
  topic: string;
  /** The last seq seen before the gap, and the one that came after it. */
  after: number;
  got: number;
  missing: number;
  at: string;
}

const RESTART_STEP = 1000;
const RECENT = 20;

export class SeqGaps {
  private last = new Map<string, number>();
  gaps = 0;
  missing = 0;
  readonly recent: GapRow[] = [];

  observe(sensorId: string, topic: string, seq: number | null, receivedAt: number): GapRow | null {
    if (seq === null || !Number.isSafeInteger(seq)) return null;
    const last = this.last.get(sensorId);
    if (last === undefined || seq < last - RESTART_STEP) {
      this.last.set(sensorId, seq);
      return null;
    }
    if (seq <= last) return null;
    this.last.set(sensorId, seq);
    if (seq === last + 1) return null;
    const row: GapRow = {
      sensor_id: sensorId,
      topic,
      after: last,
      got: seq,
      missing: seq - last - 1,
      at: new Date(receivedAt).toISOString(),
    };
    this.gaps++;
    this.missing += row.missing;
    this.recent.push(row);
    if (this.recent.length > RECENT) this.recent.shift();
    return row;
  }
}
