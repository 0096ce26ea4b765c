/**
 * SQLite persistence of the commands capability: commands and their lifecycle, settings,
 * operator labels, configuration defaults/overrides/pushes. One statement per change (commands
 * are operator-paced, not a hot path).
 */
import { toIso } from '../../src-shared/events/time';
import type { CommandTarget } from '../../src-shared/commands';
import type { ConfigValues } from '../../src-shared/commands/config';
import type { CommandRecord, CommandSettings, CommandState } from '../../src-shared/contract/devices';
import type { Db } from '../store/db';

/** A command in memory: epoch milliseconds, converted to ISO only for the wire. */
export interface Cmd {
  id: string;
  device_id: string;
  family: string;
  target: CommandTarget;
  command: string;
  args: Record<string, unknown>;
  state: CommandState;
  who: string;
  created_at: number;
  sent_at: number | null;
  acked_at: number | null;
  finished_at: number | null;
  expires_at: number;
  timeout_ms: number;
  error: string | null;
  via: 'mqtt' | 'bridge' | null;
  topic: string | null;
  attempts: number;
}

interface Row extends Omit<Cmd, 'args' | 'via'> {
  args: string;
  via: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : toIso(ms));

export function toRecord(c: Cmd): CommandRecord {
  return {
    id: c.id,
    device_id: c.device_id,
    family: c.family,
    target: c.target,
    command: c.command,
    args: c.args,
    state: c.state,
    who: c.who,
    created_at: toIso(c.created_at),
    sent_at: iso(c.sent_at),
    acked_at: iso(c.acked_at),
    finished_at: iso(c.finished_at),
    expires_at: toIso(c.expires_at),
    timeout_ms: c.timeout_ms,
    error: c.error,
    via: c.via,
    topic: c.topic,
    attempts: c.attempts,
  };
}

function fromRow(r: Row): Cmd {
  let args: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(r.args) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      args = parsed as Record<string, unknown>;
  } catch {
    // kept as {}
  }
  return { ...r, args, via: r.via === 'mqtt' || r.via === 'bridge' ? r.via : null };
}

export const DEFAULT_SETTINGS: Readonly<CommandSettings> = Object.freeze({
  ack_timeout_ms: 10_000,
  expiry_ms: 5 * 60_000,
});

export class CommandStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO commands (id, device_id, family, target, command, args, state, who, created_at, sent_at,
           acked_at, finished_at, expires_at, timeout_ms, error, via, topic, attempts)
         VALUES (@id, @device_id, @family, @target, @command, @args, @state, @who, @created_at, @sent_at,
           @acked_at, @finished_at, @expires_at, @timeout_ms, @error, @via, @topic, @attempts)`,
      ),
      update: db.prepare(
        `UPDATE commands SET state = @state, sent_at = @sent_at, acked_at = @acked_at, finished_at = @finished_at,
           error = @error, via = @via, topic = @topic, attempts = @attempts WHERE id = @id`,
      ),
      get: db.prepare('SELECT * FROM commands WHERE id = ?'),
      open: db.prepare(`SELECT * FROM commands WHERE state IN ('queued', 'sent') ORDER BY created_at`),
    };
  }

  insert(c: Cmd): void {
    this.stmt.insert.run({ ...c, args: JSON.stringify(c.args) });
  }

  update(c: Cmd): void {
    this.stmt.update.run({
      id: c.id,
      state: c.state,
      sent_at: c.sent_at,
      acked_at: c.acked_at,
      finished_at: c.finished_at,
      error: c.error,
      via: c.via,
      topic: c.topic,
      attempts: c.attempts,
    });
  }

  get(id: string): Cmd | null {
    const r = this.stmt.get.get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Queued and sent commands (after a restart they pick up where they were). */
  open(): Cmd[] {
    return (this.stmt.open.all() as Row[]).map(fromRow);
  }

  list(q: {
    device_id?: string;
    family?: string;
    state?: CommandState;
    before?: number;
    limit: number;
  }): Cmd[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (q.device_id !== undefined) add('device_id = ?', q.device_id);
    if (q.family !== undefined) add('family = ?', q.family);
    if (q.state !== undefined) add('state = ?', q.state);
    if (q.before !== undefined) add('created_at < ?', q.before);
    const sql = `SELECT * FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit) as Row[]).map(fromRow);
  }

  settings(): CommandSettings {
    const rows = this.db.prepare('SELECT key, value FROM command_settings').all() as {
      key: string;
      value: string;
    }[];
    const out: CommandSettings = { ...DEFAULT_SETTINGS };
    for (const { key, value } of rows) {
      const n = Number(value);
      if ((key === 'ack_timeout_ms' || key === 'expiry_ms') && Number.isInteger(n) && n > 0) out[key] = n;
    }
    return out;
  }

  saveSettings(s: CommandSettings): void {
    const put = this.db.prepare(
      'INSERT INTO command_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      put.run('ack_timeout_ms', String(s.ack_timeout_ms));
      put.run('expiry_ms', String(s.expiry_ms));
    })();
  }

  labels(): { family: string; device_id: string; name: string | null; role: string | null }[] {
    return this.db.prepare('SELECT family, device_id, name, role FROM device_labels').all() as {
      family: string;
      device_id: string;
      name: string | null;
      role: string | null;
    }[];
  }

  saveLabel(family: string, deviceId: string, name: string | null, role: string | null): void {
    this.db
      .prepare(
        `INSERT INTO device_labels (family, device_id, name, role, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(family, device_id) DO UPDATE SET name = excluded.name, role = excluded.role, updated_at = excluded.updated_at`,
      )
      .run(family, deviceId, name, role, Date.now());
  }

  // --- configuration -------------------------------------------------------------------------

  configDefaults(family: string): ConfigValues | null {
    const r = this.db.prepare('SELECT defaults FROM config_defaults WHERE family = ?').get(family) as
      { defaults: string } | undefined;
    return r ? (JSON.parse(r.defaults) as ConfigValues) : null;
  }

  saveConfigDefaults(family: string, defaults: ConfigValues): void {
    this.db
      .prepare(
        `INSERT INTO config_defaults (family, defaults, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(family) DO UPDATE SET defaults = excluded.defaults, updated_at = excluded.updated_at`,
      )
      .run(family, JSON.stringify(defaults), Date.now());
  }

  deviceConfig(
    family: string,
    deviceId: string,
  ): { overrides: ConfigValues; pushed: ConfigValues | null; pushed_at: number | null } {
    const r = this.db
      .prepare('SELECT overrides, pushed, pushed_at FROM device_config WHERE family = ? AND device_id = ?')
      .get(family, deviceId) as
      { overrides: string; pushed: string | null; pushed_at: number | null } | undefined;
    if (!r) return { overrides: {}, pushed: null, pushed_at: null };
    return {
      overrides: JSON.parse(r.overrides) as ConfigValues,
      pushed: r.pushed === null ? null : (JSON.parse(r.pushed) as ConfigValues),
      pushed_at: r.pushed_at,
    };
  }

  saveOverrides(family: string, deviceId: string, overrides: ConfigValues): void {
    this.db
      .prepare(
        `INSERT INTO device_config (family, device_id, overrides, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(family, device_id) DO UPDATE SET overrides = excluded.overrides, updated_at = excluded.updated_at`,
      )
      .run(family, deviceId, JSON.stringify(overrides), Date.now());
  }

  savePushed(family: string, deviceId: string, pushed: ConfigValues | null, at: number): void {
    this.db
      .prepare(
        `INSERT INTO device_config (family, device_id, pushed, pushed_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(family, device_id) DO UPDATE SET pushed = excluded.pushed, pushed_at = excluded.pushed_at,
           updated_at = excluded.updated_at`,
      )
      .run(
        family,
        deviceId,
        pushed === null ? null : JSON.stringify(pushed),
        pushed === null ? null : at,
        at,
      );
  }

  /** Every device with a configuration currently published (to restore retained messages). */
  pushedConfigs(): { family: string; device_id: string; pushed: ConfigValues }[] {
    const rows = this.db
      .prepare('SELECT family, device_id, pushed FROM device_config WHERE pushed IS NOT NULL')
      .all() as { family: string; device_id: string; pushed: string }[];
    return rows.map((r) => ({
      family: r.family,
      device_id: r.device_id,
      pushed: JSON.parse(r.pushed) as ConfigValues,
    }));
  }
}
