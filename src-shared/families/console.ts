/** The console itself, or another console: a credential that may read and write everything. */
import type { FamilyDescriptor } from './types';

export const consoleFamily: FamilyDescriptor = {
  id: 'console',
  label: 'Console',
  credentials: true,
  match: () => null,
  parse: () => ({ outcome: 'unhandled' }),
  acl: () => ({ publish: ['#'], subscribe: ['#'] }),
  roles: {},
  targets: [],
};
