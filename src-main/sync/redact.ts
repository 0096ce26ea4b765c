/** A destination URL fit to show: no password, no token-like query values. */
const SECRET_PARAM = /token|key|secret|pass|auth|sig/i;

export function redactSyncUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
