import WebSocket from 'ws';

/**
 * The UI contract over `/ws`, as the web UI speaks it; untyped, so each suite adds the types it
 * checks. A failed call rejects with an Error carrying the frame's `status`.
 */
export interface RawContract {
  call(name: string, req?: unknown): Promise<unknown>;
  close(): void;
}

/** `track` gets the socket before it opens, so a suite can terminate it even if a test fails early. */
export async function rawContract(httpUrl: string, track?: WebSocket[]): Promise<RawContract> {
  const ws = new WebSocket(`${httpUrl.replace('http', 'ws')}/ws`);
  track?.push(ws);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let seq = 0;
  const pending = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw)) as {
      t: string;
      id: number;
      ok: boolean;
      res?: unknown;
      error?: string;
      status?: number;
    };
    if (f.t !== 'result') return;
    const p = pending.get(f.id);
    if (!p) return;
    pending.delete(f.id);
    if (f.ok) p.res(f.res);
    else p.rej(Object.assign(new Error(f.error), { status: f.status }));
  });
  return {
    call: (name, req) =>
      new Promise<unknown>((res, rej) => {
        const id = ++seq;
        pending.set(id, { res, rej });
        ws.send(JSON.stringify({ t: 'call', id, name, req }));
      }),
    close: () => ws.close(),
  };
}
