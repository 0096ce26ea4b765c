import { describe, expect, it } from 'vitest';
import { AMG_COMMANDS } from '../../src-shared/bridges/amg';
import { BT50_COMMANDS } from '../../src-shared/bridges/bt50';
import { TIMER_COMMANDS, SENSOR_COMMANDS } from '../../src-shared/commands';
import { initialValues, validateCommand } from './commandForm';

describe('one command vocabulary for both paths', () => {
  it('a directly connected AMG timer takes the timer catalogue’s commands with the same argument names', () => {
    for (const def of TIMER_COMMANDS) {
      const driver = AMG_COMMANDS.find((c) => c.name === def.name);
      expect(driver, def.name).toBeDefined();
      expect(driver!.fields.map((f) => f.key)).toEqual(def.fields.map((f) => f.key));
    }
    expect(AMG_COMMANDS.find((c) => c.name === 'set_echo_delay')!.fields.map((f) => f.key)).toEqual([
      'delay_cs',
    ]);
  });

  it('a BT50 offers the same rates through its driver as through a range bridge', () => {
    const rate = (list: typeof SENSOR_COMMANDS) => list.find((c) => c.name === 'set_rate')!.fields[0];
    expect(rate(BT50_COMMANDS)).toEqual(rate(SENSOR_COMMANDS));
    expect(rate(BT50_COMMANDS)).toMatchObject({ kind: 'enum', options: [1, 2, 5, 10, 20, 50, 100, 200] });
  });

  it('checks form text against the list it is given, with a sentence for what is wrong', () => {
    const echo = AMG_COMMANDS.find((c) => c.name === 'set_echo_delay')!;
    expect(validateCommand('amg-commander', AMG_COMMANDS, 'set_echo_delay', { delay_cs: ' 20 ' })).toEqual({
      ok: true,
      args: { delay_cs: 20 },
    });
    const tooLong = validateCommand('amg-commander', AMG_COMMANDS, 'set_echo_delay', { delay_cs: '200' });
    expect(tooLong.ok).toBe(false);
    expect(!tooLong.ok && tooLong.reason).toMatch(/delay_cs/);
    expect(initialValues(echo)).toEqual({ delay_cs: '10' });
    expect(validateCommand('bt50', BT50_COMMANDS, 'nope', {})).toEqual({
      ok: false,
      reason: 'unknown command nope',
    });
  });
});
