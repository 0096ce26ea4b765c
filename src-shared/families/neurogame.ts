/** Cognitive-task games: task events on `neurogame/{client_id}/events` (and over HTTP, /v1/events). */
import { parseNeurogame } from '../ingest/neurogame';
import type { FamilyDescriptor } from './types';

const ROOT = 'neurogame';

export const neurogameFamily: FamilyDescriptor = {
  id: 'neurogame',
  label: 'Cognitive-task game',
  credentials: true,
  match: (topic) => (topic.startsWith(`${ROOT}/`) ? topic.split('/').slice(1) : null),
  parse: (levels, payload, receivedAt) => parseNeurogame(levels, payload, receivedAt),
  acl: (id) => ({ publish: [`${ROOT}/${id}/events`], subscribe: [] }),
  roles: { 'device.status': null, 'device.hello': null },
  targets: [],
};
