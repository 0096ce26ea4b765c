/**
 * The window's security policy as pure functions: content security policy, which links may leave
 * the app, and which browser permissions the renderer gets. main.ts wires them into electron.
 */
import { isTrustedSender } from './ipc-policy';

/** Same policy as the renderer's meta tag; sent as a header too so it also covers the dev server. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The header value. Under the Vite dev server only, React fast refresh injects an inline preamble
 * script, so development adds `'unsafe-inline'` to script-src; packaged builds never do.
 */
export function contentSecurityPolicy(dev: boolean): string {
  return dev
    ? CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    : CONTENT_SECURITY_POLICY;
}

/** Response headers with the CSP set, replacing any CSP header the response carried. */
export function withCsp(
  headers: Record<string, string[] | string> | undefined,
  policy: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === 'content-security-policy') continue;
    out[key] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}

/** Links the app may hand to the system browser: plain http(s) with a host, nothing else. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && !u.username && !u.password
    );
  } catch {
    return false;
  }
}

/** True when a navigation stays inside the app (the renderer index or the dev server origin). */
export function isAppNavigation(url: string, appUrl: string): boolean {
  return isTrustedSender(url, appUrl);
}

/**
 * Browser permissions (camera, geolocation, notifications, HID/serial/USB, clipboard reads...) are
 * denied unless listed in `allowed` and requested by the app's own page. The allow-list is empty
 * today; a renderer-side bridge that needs a device permission (e.g. Web Bluetooth for a BLE
 * bridge, which also handles `select-bluetooth-device`) passes it to `createPermissionPolicy` in
 * main.ts. Bridges that run in the main process (serial, noble) need no browser permission.
 */
export interface PermissionPolicy {
  /** `requestingUrl` is the full URL of the requesting page or frame. */
  allows(permission: string, requestingUrl: string | null | undefined): boolean;
}

export function createPermissionPolicy(appUrl: string, allowed: Iterable<string> = []): PermissionPolicy {
  const set = new Set(allowed);
  return {
    allows: (permission, requestingUrl) => set.has(permission) && isTrustedSender(requestingUrl, appUrl),
  };
}
