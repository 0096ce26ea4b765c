/**
 * Which protocol a feed speaks, from its first bytes: RMonitor records start with `$` and a known
 * command; Apex messages are `key|arg|value` lines.
 */
import type { KartingProtocol } from './model';

export function detectProtocol(text: string): KartingProtocol | null {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line) continue;
    if (/^\$(A|COMP|B|C|E|F|G|H|I|J|L),/.test(line)) return 'rmonitor';
    if (/^(init|grid|title[12]|light|dyn[12]|css|com|msg|best|r\d+(c\d+)?)\|/.test(line)) return 'apex';
  }
  return null;
}
