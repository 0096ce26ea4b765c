import { describe, expect, it } from 'vitest';
import { isTrustedSender } from './ipc-policy';

const FILE_APP = 'file:///opt/Marshal/resources/app.asar/out/renderer/index.html';
const DEV_APP = 'http://localhost:5173/';

describe('isTrustedSender', () => {
  it('accepts the packaged renderer index, with any query or hash', () => {
    expect(isTrustedSender(FILE_APP, FILE_APP)).toBe(true);
    expect(isTrustedSender(`${FILE_APP}#/runs/12`, FILE_APP)).toBe(true);
    expect(isTrustedSender(`${FILE_APP}?view=monitor`, FILE_APP)).toBe(true);
  });

  it('accepts percent-encoding differences of the same path', () => {
    const app = 'file:///home/op/My%20Apps/out/renderer/index.html';
    expect(isTrustedSender('file:///home/op/My Apps/out/renderer/index.html', app)).toBe(true);
  });

  it('compares Windows drive paths case-insensitively', () => {
    const app = 'file:///C:/Program%20Files/Marshal/resources/app.asar/out/renderer/index.html';
    expect(
      isTrustedSender('file:///c:/program%20files/marshal/resources/app.asar/out/renderer/index.html', app),
    ).toBe(true);
    expect(isTrustedSender('file:///c:/Users/evil/index.html', app)).toBe(false);
  });

  it('rejects other file:// paths', () => {
    expect(isTrustedSender('file:///tmp/evil/index.html', FILE_APP)).toBe(false);
    expect(isTrustedSender('file:///opt/Marshal/resources/app.asar/out/renderer/other.html', FILE_APP)).toBe(
      false,
    );
    expect(isTrustedSender('file:///opt/Marshal/resources/app.asar/out/renderer/', FILE_APP)).toBe(false);
    expect(
      isTrustedSender('file://evilhost/opt/Marshal/resources/app.asar/out/renderer/index.html', FILE_APP),
    ).toBe(false);
  });

  it('rejects web origins, about:blank, data: and missing URLs', () => {
    for (const url of [
      'http://evil',
      'https://evil.example/index.html',
      'about:blank',
      'data:text/html,hi',
      'devtools://x',
      '',
      null,
      undefined,
    ]) {
      expect(isTrustedSender(url, FILE_APP), String(url)).toBe(false);
    }
  });

  it('accepts the dev server origin and nothing else', () => {
    expect(isTrustedSender('http://localhost:5173/', DEV_APP)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/some/route?x=1', DEV_APP)).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', DEV_APP)).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:5173/', DEV_APP)).toBe(false);
    expect(isTrustedSender('https://localhost:5173/', DEV_APP)).toBe(false);
    expect(isTrustedSender(FILE_APP, DEV_APP)).toBe(false);
    expect(isTrustedSender('http://evil', DEV_APP)).toBe(false);
  });

  it('rejects everything when the app URL itself is unusable', () => {
    expect(isTrustedSender('about:blank', 'about:blank')).toBe(false);
    expect(isTrustedSender('x', 'not a url')).toBe(false);
  });
});
