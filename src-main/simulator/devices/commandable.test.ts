import { describe, expect, it } from 'vitest';
import type { Channel, InboundHandler, PublishOptions } from '../types';
import { ackBody, ackTopicFor, handleCommands, parseIncomingCommand } from './commandable';

function fakeChannel() {
  const published: { topic: string; payload: string; opts: PublishOptions }[] = [];
  const handlers = new Map<string, InboundHandler>();
  const channel: Channel = {
    deviceId: 'd',
    publish: (topic, payload, opts) => published.push({ topic, payload: String(payload), opts }),
    subscribe: (topic, on) => handlers.set(topic, on),
  };
  return {
    channel,
    published,
    deliver: (topic: string, payload: string) => handlers.get(topic)?.(topic, payload),
  };
}

describe('commandable devices', () => {
  it('reads each family’s command body', () => {
    expect(
      parseIncomingCommand(
        'whackamole',
        'whackamole/c/command',
        '{"command_id":"x","command":"stop","args":{}}',
      ),
    ).toMatchObject({ id: 'x', command: 'stop', args: {} });
    expect(
      parseIncomingCommand(
        'gateway',
        'devices/g/commands',
        '{"room":"spawning","actuator":"led","state":"ON"}',
      ),
    ).toMatchObject({ command: 'set_actuator', args: { room: 'spawning', actuator: 'led', state: 'on' } });
    expect(parseIncomingCommand('range', 't', 'not json')).toBeNull();
    expect(parseIncomingCommand('range', 't', '{"command":"x"}')).toBeNull();
  });

  it('answers on the family’s ack topic in its shape', () => {
    expect(ackTopicFor('whackamole', 'whackamole/c/command')).toBe('whackamole/c/ack');
    expect(ackTopicFor('gateway', 'devices/g/commands')).toBe('devices/g/actuator_states');
    expect(ackTopicFor('range', 'leadville/timer/command')).toBe('leadville/timer/command/ack');
    expect(JSON.parse(ackBody('gateway', 'spawning/led/on', { ok: true })!)).toMatchObject({
      room: 'fruiting',
      actuator: 'led',
      state: 'on',
    });
    expect(ackBody('gateway', 'spawning/led/on', { ok: false, error: 'nope' })).toBeNull();
    expect(JSON.parse(ackBody('whackamole', 'x', { ok: true })!)).toEqual({
      command_id: 'x',
      ok: true,
      error: null,
    });
  });

  it('acknowledges, refuses or stays silent as the device decides', () => {
    const f = fakeChannel();
    const seen: string[] = [];
    handleCommands(f.channel, {
      wire: 'whackamole',
      topic: 'whackamole/c/command',
      decide: (cmd) =>
        cmd.command === 'identify'
          ? null
          : cmd.command === 'stop'
            ? { ok: true }
            : { ok: false, error: 'no' },
      onCommand: (cmd) => seen.push(cmd.id),
    });
    f.deliver('whackamole/c/command', '{"command_id":"1","command":"stop"}');
    f.deliver('whackamole/c/command', '{"command_id":"2","command":"reset"}');
    f.deliver('whackamole/c/command', '{"command_id":"3","command":"identify"}');
    expect(seen).toEqual(['1', '2', '3']);
    expect(f.published.map((p) => [p.topic, JSON.parse(p.payload), p.opts.qos])).toEqual([
      ['whackamole/c/ack', { command_id: '1', ok: true, error: null }, 1],
      ['whackamole/c/ack', { command_id: '2', ok: false, error: 'no' }, 1],
    ]);
    expect(
      handleCommands(
        { deviceId: 'r', publish: () => undefined },
        { wire: 'range', topic: 't', decide: () => null },
      ),
    ).toBe(false);
  });
});
