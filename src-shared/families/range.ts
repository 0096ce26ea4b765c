/**
 * A LeadVille-style range bridge: shot timer, impact sensors, detection and run topics under the
 * configured prefix (or the bare tree). Devices are named by the topic level after `sensor/`, or by
 * the payload (the timer).
 */
import { SENSOR_COMMANDS, TIMER_COMMANDS } from '../commands/catalogue';
import { amgCommandText, bt50CommandFrames, checkId, rangeTopic, toHex } from '../commands/encode';
import { toIso } from '../events/time';
import { parseRange, rangeLevels } from '../ingest/range';
import type { FamilyDescriptor } from './types';

const both = (prefix: string, suffix: string) => [...new Set([rangeTopic(prefix, suffix), suffix])];

export const rangeFamily: FamilyDescriptor = {
  id: 'range',
  label: 'Range bridge',
  credentials: true,
  match: (topic, opts) => rangeLevels(topic, opts.rangePrefix),
  parse: (levels, payload, receivedAt, opts) =>
    parseRange(levels, payload, receivedAt, { defaultRateHz: opts.defaultRateHz }),
  acl: (_id, { rangePrefix }) => ({
    // A range bridge relays a whole range: its tree, minus what only the console sends.
    publish: [`${rangePrefix}/#`],
    subscribe: [`${rangePrefix}/timer/command`, `${rangePrefix}/sensor/+/command`, `${rangePrefix}/run/#`],
    denyPublish: (topic) => /\/command$/.test(topic),
  }),
  roles: {
    'sensor.status': 'sensor',
    impact: 'sensor',
    'timer.status': 'timer',
    'timer.start': 'timer',
    'timer.shot': 'timer',
    'timer.stop': 'timer',
    'bridge.status': 'bridge',
    'system.health': 'bridge',
  },
  relayedRoles: ['timer', 'sensor'],
  targets: [
    {
      target: 'timer',
      label: 'Shot timer (via range bridge)',
      role: 'timer',
      commands: TIMER_COMMANDS,
      encode({ deviceId, commandId, command, args, issuedAt, rangePrefix }) {
        checkId(deviceId, 'device id');
        checkId(commandId, 'command id');
        const body: Record<string, unknown> = { command_id: commandId, command, args, device_id: deviceId };
        const text = amgCommandText(command, args);
        if (text) body.text = text;
        body.issued_at = toIso(issuedAt);
        return { topic: rangeTopic(rangePrefix, 'timer/command'), payload: JSON.stringify(body) };
      },
      ackTopics: (_id, prefix) => both(prefix, 'timer/command/ack'),
    },
    {
      target: 'sensor',
      label: 'Impact sensor (via range bridge)',
      role: 'sensor',
      commands: SENSOR_COMMANDS,
      encode({ deviceId, commandId, command, args, issuedAt, rangePrefix }) {
        checkId(deviceId, 'device id');
        checkId(commandId, 'command id');
        const body: Record<string, unknown> = { command_id: commandId, command, args, sensor_id: deviceId };
        const frames = bt50CommandFrames(command, args);
        if (frames) body.frames_hex = frames.map(toHex);
        body.issued_at = toIso(issuedAt);
        return {
          topic: rangeTopic(rangePrefix, `sensor/${deviceId}/command`),
          payload: JSON.stringify(body),
        };
      },
      ackTopics: (id, prefix) => both(prefix, `sensor/${id}/command/ack`),
    },
  ],
};
