/**
 * Foreign MQTT clients for integration tests: mosquitto_pub / mosquitto_sub (Debian's
 * mosquitto-clients) and mqtt.js, plus a real mosquitto broker on free loopback ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DEFAULT_DEADLINE_MS, freePort, waitFor } from './serve';

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (with a deadline), feeding `input` on stdin when given. */
export function run(
  cmd: string,
  args: string[],
  input?: Buffer | string,
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<ProcResult> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8');
    p.stderr.setEncoding('utf8');
    p.stdout.on('data', (d: string) => (stdout += d));
    p.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    p.once('error', (err) => {
      clearTimeout(timer);
      rej(err);
    });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
    p.stdin.on('error', () => undefined);
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

export interface BrokerTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  cafile?: string;
}

export function targetFromUrl(url: string, extra: Partial<BrokerTarget> = {}): BrokerTarget {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), ...extra };
}

function connArgs(t: BrokerTarget): string[] {
  const a = ['-h', t.host, '-p', String(t.port)];
  if (t.username !== undefined) a.push('-u', t.username);
  if (t.password !== undefined) a.push('-P', t.password);
  if (t.cafile) a.push('--cafile', t.cafile);
  return a;
}

/**
 * mosquitto_pub one message (QoS 1 by default: it exits after the PUBACK). The payload goes over
 * stdin (`-s`) so binary and large payloads work. Throws when mosquitto_pub fails.
 */
export async function mosquittoPub(
  t: BrokerTarget,
  topic: string,
  payload: string | Buffer,
  {
    qos = 1,
    retain = false,
    allowFailure = false,
  }: { qos?: 0 | 1 | 2; retain?: boolean; allowFailure?: boolean } = {},
): Promise<ProcResult> {
  const args = [...connArgs(t), '-q', String(qos), '-t', topic, '-s'];
  if (retain) args.push('-r');
  const r = await run('mosquitto_pub', args, payload);
  if (r.code !== 0 && !allowFailure) {
    throw new Error(`mosquitto_pub ${topic} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return r;
}

export interface SubMessage {
  retained: boolean;
  qos: number;
  topic: string;
  payload: string;
}

export interface MosquittoSub {
  proc: ChildProcess;
  messages: SubMessage[];
  /** Resolves after `count` messages (or rejects at the deadline). */
  waitForMessages(count: number, timeoutMs?: number): Promise<SubMessage[]>;
  stop(): Promise<void>;
}

const SUB_MARK = '\u0001MSG';

/**
 * Starts mosquitto_sub with `-d` and resolves once its SUBACK is printed (the readiness signal:
 * anything published afterwards reaches it).
 */
export async function mosquittoSub(
  t: BrokerTarget,
  filter: string,
  { qos = 1 }: { qos?: 0 | 1 | 2 } = {},
): Promise<MosquittoSub> {
  // stdout is a pipe, so stdio would block-buffer the SUBACK line: stdbuf makes it line-buffered.
  const proc = spawn(
    'stdbuf',
    [
      '-oL',
      'mosquitto_sub',
      ...connArgs(t),
      '-d',
      '-q',
      String(qos),
      '-t',
      filter,
      '-F',
      `${SUB_MARK}|%r|%q|%t|%p`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const messages: SubMessage[] = [];
  let buffered = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => (stderr += d));
  proc.stdout.on('data', (d: string) => {
    stdout += d;
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith(SUB_MARK)) continue;
      const [, r, q, topic, ...rest] = line.split('|');
      messages.push({ retained: r === '1', qos: Number(q), topic: topic ?? '', payload: rest.join('|') });
    }
  });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  try {
    await waitFor(
      () => {
        if (proc.exitCode !== null)
          throw new Error(`mosquitto_sub exited ${proc.exitCode}: ${stderr}${stdout}`);
        return /received SUBACK/.test(stdout);
      },
      `mosquitto_sub SUBACK on ${filter}`,
      { intervalMs: 20 },
    );
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    proc,
    messages,
    waitForMessages: (count, timeoutMs = DEFAULT_DEADLINE_MS) =>
      waitFor(
        () => (messages.length >= count ? messages.slice() : undefined),
        `${count} message(s) on ${filter}`,
        {
          timeoutMs,
          intervalMs: 20,
        },
      ),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** mqtt.js client that never reconnects on its own (tests decide). */
export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...opts });
}

/** Tries to connect and reports the outcome instead of throwing. */
export function tryConnect(
  url: string,
  opts: IClientOptions = {},
): Promise<{ ok: boolean; error?: Error & { code?: number } }> {
  return new Promise((res) => {
    const client = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
      ...opts,
    });
    const done = (result: { ok: boolean; error?: Error & { code?: number } }) => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      res(result);
    };
    client.once('connect', () => done({ ok: true }));
    client.once('error', (error) => done({ ok: false, error }));
    client.once('close', () => done({ ok: false, error: new Error('closed before CONNACK') }));
  });
}

// ---------------------------------------------------------------------------------------------
// A real mosquitto broker (external-broker tests).
// ---------------------------------------------------------------------------------------------

export interface MosquittoTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface MosquittoOptions {
  dir: string;
  passwordFile: string;
  tls?: MosquittoTls;
  port?: number;
  tlsPort?: number;
  /** Keep sessions and their queues on disk across restarts (`persistence true` in `dir`). */
  persistence?: boolean;
  /** mosquitto's per-session queue limit (default here: 100,000). */
  maxQueuedMessages?: number;
}

/** mosquitto 2.x on loopback: a plain listener and optionally a TLS one, password auth. */
export class MosquittoBroker {
  port = 0;
  tlsPort = 0;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  log = '';
  readonly confFile: string;

  constructor(private readonly opts: MosquittoOptions) {
    this.confFile = join(opts.dir, 'mosquitto.conf');
  }

  async start(): Promise<void> {
    if (!this.port) this.port = this.opts.port ?? (await freePort());
    if (this.opts.tls && !this.tlsPort) this.tlsPort = this.opts.tlsPort ?? (await freePort());
    const lines = [
      // As root mosquitto would drop to the `mosquitto` user, which cannot read the temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${this.opts.passwordFile}`,
      ...(this.opts.persistence
        ? ['persistence true', `persistence_location ${this.opts.dir}/`, 'autosave_interval 1']
        : ['persistence false']),
      // Sessions of consoles that are away may queue many messages; never drop them in tests.
      `max_queued_messages ${this.opts.maxQueuedMessages ?? 100000}`,
      'log_dest stderr',
      'log_type all',
      `listener ${this.port} 127.0.0.1`,
    ];
    if (this.opts.tls) {
      lines.push(
        `listener ${this.tlsPort} 127.0.0.1`,
        `cafile ${this.opts.tls.caFile}`,
        `certfile ${this.opts.tls.certFile}`,
        `keyfile ${this.opts.tls.keyFile}`,
      );
    }
    writeFileSync(this.confFile, `${lines.join('\n')}\n`);
    const proc = spawn('mosquitto', ['-c', this.confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.setEncoding('utf8');
    let startLog = '';
    const onData = (d: string) => {
      this.log += d;
      startLog += d;
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    this.exited = new Promise((res) => proc.once('exit', () => res()));
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${startLog}`);
        return /mosquitto version \S+ running/.test(startLog);
      },
      'mosquitto to be running',
      { intervalMs: 20 },
    );
  }

  running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await this.exited;
    this.proc = null;
  }
}

/** Creates (or extends) a mosquitto password file. */
export async function mosquittoPasswd(
  file: string,
  user: string,
  password: string,
  create: boolean,
): Promise<void> {
  const r = await run('mosquitto_passwd', [...(create ? ['-c'] : []), '-b', file, user, password]);
  if (r.code !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
}

/** A throw-away CA and a server certificate for 127.0.0.1 (CN and IP SAN), EC P-256 for speed. */
export async function makeTlsFiles(dir: string): Promise<MosquittoTls> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const ext = join(dir, 'server-ext.cnf');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  const steps: string[][] = [
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=Marshal Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      csr,
      '-subj',
      '/CN=127.0.0.1',
    ],
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      certFile,
      '-days',
      '2',
      '-extfile',
      ext,
    ],
  ];
  for (const args of steps) {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  }
  return { caFile, certFile, keyFile };
}
