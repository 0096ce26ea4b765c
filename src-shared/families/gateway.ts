/**
 * Field gateways (M.A.S.H.): `devices/{id}/{sensor_data|status|alerts|actuator_states}` in (and
 * `commands/ack` from gateways that can), `commands` out in the gateway's own shape. The gateway
 * has no ack: a switch is answered by the `actuator_states` it publishes once the relay moved.
 */
import { GATEWAY_COMMANDS } from '../commands/catalogue';
import { checkId } from '../commands/encode';
import { toIso } from '../events/time';
import { gatewayCommandTopic, parseGateway, resolvedRoom } from '../ingest/gateway';
import type { FamilyDescriptor } from './types';

const ROOT = 'devices';

export const gatewayFamily: FamilyDescriptor = {
  id: 'gateway',
  label: 'Field gateway',
  credentials: true,
  match: (topic) => (topic.startsWith(`${ROOT}/`) ? topic.split('/').slice(1) : null),
  parse: (levels, payload, receivedAt) => parseGateway(levels, payload, receivedAt),
  acl: (id) => ({
    publish: [
      `${ROOT}/${id}/sensor_data`,
      `${ROOT}/${id}/status`,
      `${ROOT}/${id}/alerts`,
      `${ROOT}/${id}/actuator_states`,
      `${ROOT}/${id}/commands/ack`,
    ],
    subscribe: [`${ROOT}/${id}/commands`],
  }),
  roles: {
    'device.status': 'zone',
    'device.hello': 'zone',
    'command.ack': 'zone',
    'gateway.reading': 'zone',
    'actuator.state': 'zone',
    alert: 'zone',
  },
  targets: [
    {
      target: 'gateway',
      label: 'Field gateway',
      commands: GATEWAY_COMMANDS,
      encode({ deviceId, commandId, command, args, issuedAt }) {
        checkId(deviceId, 'device id');
        checkId(commandId, 'command id');
        // The gateway reads no id: a command is known by what it asks for.
        const body =
          command === 'set_auto_mode'
            ? { command_type: 'set_auto_mode', enabled: args.enabled === true }
            : {
                room: args.room,
                actuator: args.actuator,
                state: args.state === 'on' ? 'ON' : 'OFF',
                source: 'marshal',
                timestamp: toIso(issuedAt),
              };
        return { topic: gatewayCommandTopic(deviceId), payload: JSON.stringify(body) };
      },
      ackTopics: (id) => [`${ROOT}/${id}/commands/ack`],
      answeredBy(event, cmd) {
        if (cmd.command !== 'set_actuator' || event.kind !== 'actuator.state') return false;
        if (event.device_id !== cmd.device_id || event.topic !== `${ROOT}/${cmd.device_id}/actuator_states`)
          return false;
        const { room, actuator, state } = cmd.args as { room: string; actuator: string; state: string };
        return (
          event.data.actuator === actuator &&
          event.data.room === resolvedRoom(room, actuator) &&
          event.data.state === state
        );
      },
    },
  ],
};
