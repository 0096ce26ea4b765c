/**
 * The pure half of the IPC adapter: who may call. No electron import, so it runs under vitest;
 * the call itself goes through the contract's dispatcher.
 */

/**
 * True when `url` (the sender frame's URL) is the app's own renderer: for a `file:` app the very
 * same index file (any query or hash), for a dev server the same origin. Everything else —
 * other files, other origins, `about:blank`, `data:`, missing URLs — is untrusted.
 */
export function isTrustedSender(url: string | null | undefined, appUrl: string): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let sender: URL;
  let app: URL;
  try {
    sender = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (sender.protocol !== app.protocol) return false;
  if (app.protocol === 'file:') {
    if (sender.host !== app.host) return false;
    const a = filePath(app.pathname);
    const s = filePath(sender.pathname);
    if (a === null || s === null) return false;
    // Windows paths compare case-insensitively (file:///C:/...).
    return /^\/[a-z]:\//i.test(a) ? a.toLowerCase() === s.toLowerCase() : a === s;
  }
  if (app.protocol === 'http:' || app.protocol === 'https:') {
    return sender.origin === app.origin;
  }
  return false;
}

function filePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
