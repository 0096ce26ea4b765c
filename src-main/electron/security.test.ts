import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicy,
  createPermissionPolicy,
  isAppNavigation,
  isSafeExternalUrl,
  withCsp,
} from './security';

const FILE_APP = 'file:///opt/marshal/out/renderer/index.html';

describe('content security policy', () => {
  it('is the strict policy in production and only relaxes inline scripts for the dev server', () => {
    expect(contentSecurityPolicy(false)).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy(true)).toContain("script-src 'self' 'unsafe-inline';");
  });

  it('replaces any CSP header of the response, whatever its case', () => {
    const headers = withCsp(
      { 'content-security-policy': ['default-src *'], 'Content-Type': 'text/html' },
      CONTENT_SECURITY_POLICY,
    );
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(withCsp(undefined, 'x')).toEqual({ 'Content-Security-Policy': ['x'] });
  });
});

describe('external links', () => {
  it('lets only http(s) links out', () => {
    expect(isSafeExternalUrl('https://example.com/docs')).toBe(true);
    expect(isSafeExternalUrl('http://192.168.1.20:8000/live')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id',
      'data:text/html,x',
      'https://user:pw@example.com',
      'not a url',
      '',
    ]) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
  });
});

describe('navigation', () => {
  it('stays inside the app', () => {
    expect(isAppNavigation(`${FILE_APP}#/x`, FILE_APP)).toBe(true);
    expect(isAppNavigation('https://example.com/', FILE_APP)).toBe(false);
    expect(isAppNavigation('file:///etc/passwd', FILE_APP)).toBe(false);
  });
});

describe('permissions', () => {
  it('denies everything by default', () => {
    const policy = createPermissionPolicy(FILE_APP);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'serial',
      'hid',
      'usb',
      'openExternal',
    ]) {
      expect(policy.allows(p, FILE_APP), p).toBe(false);
    }
  });

  it('grants an allow-listed permission to the app page only', () => {
    const policy = createPermissionPolicy(FILE_APP, ['bluetooth']);
    expect(policy.allows('bluetooth', FILE_APP)).toBe(true);
    expect(policy.allows('bluetooth', 'https://evil.example/')).toBe(false);
    expect(policy.allows('bluetooth', undefined)).toBe(false);
    expect(policy.allows('media', FILE_APP)).toBe(false);
  });
});
