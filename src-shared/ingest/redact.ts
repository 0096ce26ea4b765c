/**
 * Secrets out of what the console shows: reject previews, the Monitor's raw stream and reject
 * reasons are read on screens and over the LAN, and a device that sends its key or password in
 * the wrong shape (a form body, a query string, a malformed JSON object) must not leak it there.
 */

/** Key names that hold a secret: `api_key`, `MQTT_PASSWORD`, `access_token`, `client_secret`, … */
const SECRET_NAME =
  /(?:api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|pass(?:word|wd|phrase)?|pwd|secret|token|authorization|auth)$/i;

const QUOTED_VALUE = String.raw`"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?`;

/** `"key": value` / `'key': value`, as in JSON or Python reprs. */
const QUOTED_KEY = new RegExp(
  String.raw`(["'])([A-Za-z0-9_.-]{1,64})\1(\s*:\s*)(${QUOTED_VALUE}|[^\s,}\]]*)`,
  'g',
);

/** `key=value`, `key: value` (forms, query strings, headers, YAML, logs). */
const BARE_KEY = new RegExp(
  String.raw`(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{1,64})(?![A-Za-z0-9_.-])(\s*[=:]\s*)((?:bearer|basic)\s+[^\s&;,"']+|${QUOTED_VALUE}|[^\s&;,}\]"']*)`,
  'gi',
);

/** Cheap first look: most payloads (telemetry) hold none of these, and skip the full scan. */
const MAYBE_SECRET = /key|pass|pwd|secret|token|auth|@/i;

/** `scheme://user:password@host`. */
const USERINFO = /(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s/:@]{0,128}):[^\s/@]{1,256}@/gi;

function masked(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}***${q}` : '***';
}

/** The text with every recognizable secret value replaced by `***`. */
export function redactSecrets(text: string): string {
  if (!text || !MAYBE_SECRET.test(text)) return text;
  return text
    .replace(QUOTED_KEY, (all, q: string, key: string, sep: string, value: string) =>
      SECRET_NAME.test(key) ? `${q}${key}${q}${sep}${masked(value)}` : all,
    )
    .replace(BARE_KEY, (all, key: string, sep: string, value: string) =>
      SECRET_NAME.test(key) && !/^["']\*\*\*["']$/.test(value) && value !== '***'
        ? `${key}${sep}${masked(value)}`
        : all,
    )
    .replace(USERINFO, '$1:***@');
}

/**
 * A reason for a JSON.parse failure that does not quote the input: V8's messages carry a snippet
 * of the text (`Unexpected token 'a', "api_key=SE"... is not valid JSON`).
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const stripped = message.replace(
    /,?\s*(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON\s*$/s,
    ' (not valid JSON)',
  );
  return redactSecrets(stripped).slice(0, 120);
}
