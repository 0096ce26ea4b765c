/**
 * The Monitor's topic filter: an MQTT subscription filter when the input uses `+` or `#` and is
 * valid (MQTT 3.1.1 §4.7), otherwise a case-insensitive substring match.
 */

/** True when `filter` is a valid MQTT topic filter. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level === '#') {
      if (i !== levels.length - 1) return false;
    } else if (level !== '+' && (level.includes('+') || level.includes('#'))) {
      return false;
    }
  }
  return true;
}

/**
 * MQTT matching of a topic name against a (valid) filter: `+` is exactly one level, `#` is the
 * rest including the parent level (`a/#` matches `a`), and topics starting with `$` are not
 * matched by a filter starting with a wildcard.
 */
export function matchTopic(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export interface CompiledTopicFilter {
  mode: 'all' | 'mqtt' | 'substring';
  /** Set when the input used `+`/`#` but is not a valid MQTT filter (it is then matched as text). */
  invalidWildcard: boolean;
  test(topic: string): boolean;
}

export function compileTopicFilter(input: string): CompiledTopicFilter {
  const filter = input.trim();
  if (filter.length === 0) return { mode: 'all', invalidWildcard: false, test: () => true };
  const hasWildcard = filter.includes('+') || filter.includes('#');
  if (hasWildcard && isValidTopicFilter(filter)) {
    return { mode: 'mqtt', invalidWildcard: false, test: (topic) => matchTopic(filter, topic) };
  }
  const needle = filter.toLowerCase();
  return {
    mode: 'substring',
    invalidWildcard: hasWildcard,
    test: (topic) => topic.toLowerCase().includes(needle),
  };
}
