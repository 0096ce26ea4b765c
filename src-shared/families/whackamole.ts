/**
 * Whack-a-mole cabinets. The real tree is `whac/<id>/…` (both protocols of the originals:
 * contracts/whackamole.md); the console's earlier `whackamole/<id>/…` tree is still read, since
 * keeping its parser costs nothing. Commands go out as the real cabinets take them.
 */
import { CABINET_COMMANDS } from '../commands/catalogue';
import { WHACKAMOLE_CONFIG_SPEC } from '../commands/config';
import { checkId } from '../commands/encode';
import { headCommandByte, parseWhac, WHAC_ROOT, whacTopic } from '../ingest/whac';
import { parseWhackamole } from '../ingest/whackamole';
import type { FamilyDescriptor } from './types';

const LEGACY_ROOT = 'whackamole';

export const whackamoleFamily: FamilyDescriptor = {
  id: 'whackamole',
  label: 'Whack-a-mole cabinet',
  credentials: true,
  // Two roots: the levels keep the root so the parser knows which tree spoke.
  match: (topic) =>
    topic.startsWith(`${WHAC_ROOT}/`) || topic.startsWith(`${LEGACY_ROOT}/`) ? topic.split('/') : null,
  parse: (levels, payload, receivedAt) =>
    levels[0] === WHAC_ROOT
      ? parseWhac(levels.slice(1), payload, receivedAt)
      : parseWhackamole(levels.slice(1), payload, receivedAt),
  acl: (id) => ({
    publish: [
      `${WHAC_ROOT}/${id}/events`,
      `${WHAC_ROOT}/${id}/game_events`,
      `${WHAC_ROOT}/${id}/status`,
      `${WHAC_ROOT}/${id}/state`,
      `${WHAC_ROOT}/${id}/config_request`,
      `${WHAC_ROOT}/${id}/telemetry/#`,
      `${LEGACY_ROOT}/${id}/hello`,
      `${LEGACY_ROOT}/${id}/status`,
      `${LEGACY_ROOT}/${id}/session`,
      `${LEGACY_ROOT}/${id}/ack`,
    ],
    subscribe: [`${WHAC_ROOT}/${id}/commands`, `${LEGACY_ROOT}/${id}/config`, `${LEGACY_ROOT}/${id}/command`],
  }),
  roles: {
    'device.status': 'booth',
    'device.hello': 'booth',
    'game.session': 'booth',
    'game.event': 'booth',
    'command.ack': 'booth',
    alert: 'booth',
  },
  targets: [
    {
      target: 'cabinet',
      label: 'Whack-a-mole cabinet',
      commands: CABINET_COMMANDS,
      encode({ deviceId, commandId, command, args }) {
        checkId(deviceId, 'device id');
        checkId(commandId, 'command id');
        // QoS 2 as the original dashboard sent them; never retained, or an agent reconnecting
        // would replay a pause toggle or a reset.
        return { topic: whacTopic(deviceId, 'commands'), payload: headCommandByte(command, args), qos: 2 };
      },
      ackTopics: () => [],
      answers: false,
    },
  ],
  config: WHACKAMOLE_CONFIG_SPEC,
};
