/** Field gateways (M.A.S.H.-style): `devices/{id}/{sensor_data|status|alerts|commands/ack}` in, `commands` out. */
import { GATEWAY_COMMANDS } from '../commands/catalogue';
import { checkId } from '../commands/encode';
import { toIso } from '../events/time';
import { gatewayCommandTopic, parseGateway } from '../ingest/gateway';
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
      `${ROOT}/${id}/commands/ack`,
    ],
    subscribe: [`${ROOT}/${id}/commands`],
  }),
  roles: {
    'device.status': 'zone',
    'device.hello': 'zone',
    'command.ack': 'zone',
    'gateway.reading': 'zone',
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
        const body = { id: commandId, command, params: args, issued_at: toIso(issuedAt) };
        return { topic: gatewayCommandTopic(deviceId), payload: JSON.stringify(body) };
      },
      ackTopics: (id) => [`${ROOT}/${id}/commands/ack`],
    },
  ],
};
