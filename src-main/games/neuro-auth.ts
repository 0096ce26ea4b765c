/**
 * The cognitive-task game's server accounts (`/v1/auth/register`, `/v1/auth/login`,
 * contracts/neurogame.md §2.3–2.4): the same checks in the same order and the same detail codes,
 * so the game's own messages appear. No token is issued: the game uses the returned user_id.
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db';

const ITERATIONS = 120_000;
/** Letters and digits of any script, and `._-`, as Python's `str.isalnum()` plus those. */
const NAME_CHARS = /^[\p{L}\p{N}._-]+$/u;
/** What the original's legacy heal strips from a typed password before retrying it. */
const LEGACY_STRIPPED = /[mMьЬ]/g;

export type AuthResult =
  { status: 200; body: { ok: true; user_id: string } } | { status: number; body: { detail: string } };

const fail = (status: number, detail: string): AuthResult => ({ status, body: { detail } });

function hash(password: string, salt: Buffer): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, ITERATIONS, 32, 'sha256');
}

export class NeuroAccounts {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  register(username: unknown, password: unknown): AuthResult {
    const name = typeof username === 'string' ? username.trim() : '';
    if (!name) return fail(400, 'username_required');
    const length = [...name].length;
    if (length < 3 || length > 24) return fail(400, 'username_invalid_length');
    if (!NAME_CHARS.test(name)) return fail(400, 'username_invalid_chars');
    const pwd = typeof password === 'string' ? password : '';
    if ([...pwd].length < 4) return fail(400, 'password_too_short');
    const userId = name.toLowerCase();
    try {
      const salt = randomBytes(16);
      const r = this.db
        .prepare(
          `INSERT OR IGNORE INTO neuro_users (user_id, username, salt_b64, pwd_hash_b64, created_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(
          userId,
          name,
          salt.toString('base64'),
          hash(pwd, salt).toString('base64'),
          Math.floor(this.now() / 1000),
        );
      if (r.changes === 0) return fail(409, 'user_exists');
      return { status: 200, body: { ok: true, user_id: userId } };
    } catch {
      return fail(500, 'auth_register_failed');
    }
  }

  login(username: unknown, password: unknown): AuthResult {
    const userId = typeof username === 'string' ? username.trim().toLowerCase() : '';
    if (!userId) return fail(400, 'username_required');
    const row = this.db
      .prepare('SELECT salt_b64, pwd_hash_b64 FROM neuro_users WHERE user_id = ?')
      .get(userId) as { salt_b64: string; pwd_hash_b64: string } | undefined;
    if (!row) return fail(401, 'user_not_found');
    const pwd = typeof password === 'string' ? password : '';
    try {
      const salt = Buffer.from(row.salt_b64, 'base64');
      const stored = Buffer.from(row.pwd_hash_b64, 'base64');
      const matches = (p: string) => {
        const h = hash(p, salt);
        return h.length === stored.length && timingSafeEqual(h, stored);
      };
      if (!matches(pwd)) {
        const stripped = pwd.replace(LEGACY_STRIPPED, '');
        if (stripped === pwd || !matches(stripped)) return fail(401, 'invalid_password');
        // Passwords typed under a keyboard-layout bug: heal to what was typed now.
        const fresh = randomBytes(16);
        this.db
          .prepare('UPDATE neuro_users SET salt_b64 = ?, pwd_hash_b64 = ? WHERE user_id = ?')
          .run(fresh.toString('base64'), hash(pwd, fresh).toString('base64'), userId);
      }
      this.db
        .prepare('UPDATE neuro_users SET last_login_at = ? WHERE user_id = ?')
        .run(Math.floor(this.now() / 1000), userId);
      return { status: 200, body: { ok: true, user_id: userId } };
    } catch {
      return fail(500, 'auth_login_failed');
    }
  }
}
