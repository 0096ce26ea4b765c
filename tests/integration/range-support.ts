/**
 * Helpers for the range integration tests: the UI contract over `/ws` (as the web UI uses it),
 * a bridge that publishes timer events, telemetry and impacts over MQTT, and polling helpers.
 */
import type { MqttClient } from 'mqtt';
import { bytesToHex, encodeAmgFrame } from '../../src-shared/decoders/amg';
import type { CommandName, CommandReq, CommandRes } from '../../src-shared/contract';
import type { RunDetail, RunSummary } from '../../src-shared/contract/range';
import { rawContract } from '../helpers/contract';
import { connectMqtt } from '../helpers/mqtt';
import { getJson, waitFor } from '../helpers/serve';

export { parseCsv } from '../helpers/csv';

export interface Contract {
  call<K extends CommandName>(name: K, req?: CommandReq<K>): Promise<CommandRes<K>>;
  /** Rejects with the server's error message. */
  fail<K extends CommandName>(name: K, req?: CommandReq<K>): Promise<string>;
  close(): void;
}

export async function contract(httpUrl: string): Promise<Contract> {
  const raw = await rawContract(httpUrl);
  const call = <K extends CommandName>(name: K, req?: CommandReq<K>) =>
    raw.call(name, req) as Promise<CommandRes<K>>;
  return {
    call,
    async fail(name, req) {
      try {
        await call(name, req);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`${name} was expected to fail`);
    },
    close: raw.close,
  };
}

/** A range bridge publishing what its AMG timer says, as `raw_hex` frames (the truth) plus JSON. */
export class Bridge {
  private constructor(
    readonly client: MqttClient,
    readonly timerId: string,
  ) {}

  static async connect(mqttUrl: string, timerId = 'amg-01'): Promise<Bridge> {
    return new Bridge(await connectMqtt(mqttUrl, { clientId: `bridge-${timerId}-${Date.now()}` }), timerId);
  }

  async publish(topic: string, payload: unknown, qos: 0 | 1 = 1): Promise<void> {
    await this.client.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), {
      qos,
    });
  }

  /** START of a string, stamped `atMs` (the bridge's receive time of the start frame). */
  start(stringNumber: number, atMs: number, previous = { totalShots: 0, firstCs: 0, lastCs: 0 }) {
    const frame = encodeAmgFrame({
      kind: 'start',
      stringNumber,
      previousTotalShots: previous.totalShots,
      previousFirstCs: previous.firstCs,
      previousLastCs: previous.lastCs,
    });
    return this.publish('leadville/timer/events', {
      event_type: 'START',
      timer_id: this.timerId,
      timestamp: new Date(atMs).toISOString(),
      raw_hex: bytesToHex(frame),
    });
  }

  /** A SHOT (or STOP) frame: times in centiseconds as the timer counts. */
  shot(
    kind: 'shot' | 'stop',
    stringNumber: number,
    shotNumber: number,
    timeCs: number,
    splitCs: number,
    firstCs: number,
    receivedAtMs: number,
  ) {
    const frame = encodeAmgFrame({
      kind,
      stringNumber,
      shotNumber,
      totalShots: shotNumber,
      timeCs,
      splitCs,
      firstCs,
      lastCs: timeCs,
    });
    return this.publish('leadville/timer/events', {
      event_type: kind === 'shot' ? 'SHOT' : 'STOP',
      timer_id: this.timerId,
      timestamp: new Date(receivedAtMs).toISOString(),
      raw_hex: bytesToHex(frame),
    });
  }

  /**
   * A whole string: START at `startMs`, one SHOT per time (cs), STOP repeating the last shot. Frames
   * are stamped as a bridge would: each arrives 40 ms after the event.
   */
  async string(stringNumber: number, startMs: number, timesCs: number[], stop = true): Promise<void> {
    await this.start(stringNumber, startMs);
    let prev = 0;
    for (const [i, t] of timesCs.entries()) {
      await this.shot('shot', stringNumber, i + 1, t, t - prev, timesCs[0]!, startMs + t * 10 + 40);
      prev = t;
    }
    if (stop && timesCs.length) {
      const last = timesCs.length;
      const t = timesCs[last - 1]!;
      const before = last > 1 ? timesCs[last - 2]! : 0;
      await this.shot('stop', stringNumber, last, t, t - before, timesCs[0]!, startMs + t * 10 + 1500);
    }
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

export async function runs(httpUrl: string, query = ''): Promise<RunSummary[]> {
  const r = await getJson<{ runs: RunSummary[] }>(`${httpUrl}/api/runs${query}`);
  if (r.status !== 200) throw new Error(`/api/runs ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.runs;
}

export async function run(httpUrl: string, id: string): Promise<RunDetail> {
  const r = await getJson<RunDetail>(`${httpUrl}/api/runs/${id}`);
  if (r.status !== 200) throw new Error(`/api/runs/${id} ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Waits until the run of the timer's string `timerString` satisfies `pick`. */
export function waitRun(
  httpUrl: string,
  timerString: number,
  pick: (r: RunSummary) => boolean,
  what: string,
  timerId = 'amg-01',
): Promise<RunSummary> {
  return waitFor(async () => {
    const list = await runs(httpUrl, `?timer=${timerId}&limit=500`);
    const r = list.find((x) => x.timer_string === timerString);
    return r && pick(r) ? r : undefined;
  }, what);
}
