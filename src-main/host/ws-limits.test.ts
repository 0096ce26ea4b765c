import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { WsLimiter } from './ws-limits';

/** Just what the limiter reads and calls on a socket. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  send(data: string) {
    this.sent.push(data);
    this.bufferedAmount += data.length;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
}

const opts = { maxClients: 2, maxBufferedBytes: 1000, stalledBytes: 100, stallMs: 5000 };
let limiter: WsLimiter;
afterEach(() => {
  limiter?.close();
  vi.useRealTimers();
});

describe('WsLimiter', () => {
  it('cuts a client off once its backlog passes the cap, and only that client', () => {
    limiter = new WsLimiter('/live', opts);
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    const sendSlow = limiter.attach(slow as unknown as WebSocket);
    const sendFast = limiter.attach(fast as unknown as WebSocket);
    const frame = 'x'.repeat(300);
    for (let i = 0; i < 10; i++) {
      sendSlow(frame);
      expect(sendFast(frame)).toBe(true);
      fast.bufferedAmount = 0; // it reads
    }
    expect(slow.terminated).toBe(true);
    expect(slow.sent.length).toBeLessThanOrEqual(4);
    expect(fast.sent).toHaveLength(10);
    expect(limiter.stats()).toMatchObject({ clients: 1, dropped_slow: 1 });
  });

  it('cuts a client off whose backlog stays above the stall mark, even with nothing more to send', () => {
    vi.useFakeTimers();
    limiter = new WsLimiter('/ws', opts);
    const s = new FakeSocket();
    limiter.attach(s as unknown as WebSocket)('x'.repeat(500));
    vi.advanceTimersByTime(4000);
    expect(s.terminated).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(s.terminated).toBe(true);
  });

  it('keeps a client whose backlog drains in time', () => {
    vi.useFakeTimers();
    limiter = new WsLimiter('/ws', opts);
    const s = new FakeSocket();
    limiter.attach(s as unknown as WebSocket)('x'.repeat(500));
    vi.advanceTimersByTime(3000);
    s.bufferedAmount = 0;
    vi.advanceTimersByTime(10_000);
    expect(s.terminated).toBe(false);
  });

  it('refuses upgrades past the connection cap with 503', async () => {
    limiter = new WsLimiter('/live', opts);
    limiter.attach(new FakeSocket() as unknown as WebSocket);
    limiter.attach(new FakeSocket() as unknown as WebSocket);
    const reply = {
      status: 0,
      body: null as unknown,
      code(n: number) {
        this.status = n;
        return this;
      },
      header() {
        return this;
      },
      send(b: unknown) {
        this.body = b;
        return this;
      },
    };
    await limiter.preHandler({} as never, reply as never);
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({ error: expect.stringMatching(/\/live has 2 clients/) });
    expect(limiter.stats().refused).toBe(1);
  });
});
