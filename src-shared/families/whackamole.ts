/** Whack-a-mole cabinets: `whackamole/{id}/{hello|status|session|ack}` in, `config` and `command` out. */
import { CABINET_COMMANDS } from '../commands/catalogue';
import { WHACKAMOLE_CONFIG_SPEC } from '../commands/config';
import { checkId } from '../commands/encode';
import { buildWhackamoleCommand, parseWhackamole, whackamoleTopic } from '../ingest/whackamole';
import type { FamilyDescriptor } from './types';

const ROOT = 'whackamole';

export const whackamoleFamily: FamilyDescriptor = {
  id: 'whackamole',
  label: 'Whack-a-mole cabinet',
  credentials: true,
  match: (topic) => (topic.startsWith(`${ROOT}/`) ? topic.split('/').slice(1) : null),
  parse: (levels, payload, receivedAt) => parseWhackamole(levels, payload, receivedAt),
  acl: (id) => ({
    publish: [`${ROOT}/${id}/hello`, `${ROOT}/${id}/status`, `${ROOT}/${id}/session`, `${ROOT}/${id}/ack`],
    subscribe: [`${ROOT}/${id}/config`, `${ROOT}/${id}/command`],
  }),
  roles: {
    'device.status': 'booth',
    'device.hello': 'booth',
    'game.session': 'booth',
    'command.ack': 'booth',
    alert: 'booth',
  },
  targets: [
    {
      target: 'cabinet',
      label: 'Whack-a-mole cabinet',
      commands: CABINET_COMMANDS,
      encode({ deviceId, commandId, command, args, issuedAt }) {
        checkId(deviceId, 'device id');
        checkId(commandId, 'command id');
        const body = buildWhackamoleCommand({ command_id: commandId, command, args, issued_at: issuedAt });
        return { topic: whackamoleTopic(deviceId, 'command'), payload: JSON.stringify(body) };
      },
      ackTopics: (id) => [`${ROOT}/${id}/ack`],
    },
  ],
  config: WHACKAMOLE_CONFIG_SPEC,
};
