/**
 * Fake timing feed servers for the karting tests: an Apex-style WebSocket server and an RMonitor
 * TCP server that count their connections and record every byte a client sends them (a console
 * must send none beyond the handshake).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export class FakeApexServer {
  readonly wss: WebSocketServer;
  readonly sockets = new Set<WebSocket>();
  connections = 0;
  maxConcurrent = 0;
  /** Application messages clients sent (text or binary data frames). */
  received: string[] = [];
  onConnect: (ws: WebSocket) => void = () => {};

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.connections++;
      this.sockets.add(ws);
      this.maxConcurrent = Math.max(this.maxConcurrent, this.sockets.size);
      ws.on('message', (data) => this.received.push(String(data)));
      ws.on('close', () => this.sockets.delete(ws));
      this.onConnect(ws);
    });
  }

  static async start(): Promise<FakeApexServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((res) => wss.once('listening', () => res()));
    return new FakeApexServer(wss);
  }

  get url(): string {
    const a = this.wss.address();
    return `ws://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  }

  broadcast(msg: string): void {
    for (const ws of this.sockets) ws.send(msg);
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((res) => this.wss.close(() => res()));
  }
}

export class FakeRMonitorServer {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  connections = 0;
  maxConcurrent = 0;
  receivedBytes = 0;
  onConnect: (s: Socket) => void = () => {};

  private constructor(server: Server) {
    this.server = server;
    server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      this.maxConcurrent = Math.max(this.maxConcurrent, this.sockets.size);
      s.on('data', (d) => (this.receivedBytes += d.length));
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      this.onConnect(s);
    });
  }

  static async start(): Promise<FakeRMonitorServer> {
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    return new FakeRMonitorServer(server);
  }

  get url(): string {
    const a = this.server.address();
    return `tcp://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  send(lines: string[]): void {
    const text = lines.map((l) => `${l}\r\n`).join('');
    for (const s of this.sockets) s.write(text);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((res) => this.server.close(() => res()));
  }
}

/** Reads WebSocket messages as JSON into a list a test can wait on. */
export function collect(ws: WebSocket): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  ws.on('message', (d) => {
    try {
      out.push(JSON.parse(String(d)) as Record<string, unknown>);
    } catch {
      out.push({ unparsable: String(d) });
    }
  });
  return out;
}
