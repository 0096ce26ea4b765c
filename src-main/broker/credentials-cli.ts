/**
 * `npm run credentials -- add FAMILY ID | list | revoke ID [--data-dir DIR] [--password P]`:
 * manages the device credentials the embedded broker checks in LAN mode.
 */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CredentialStore, FAMILIES, type Family } from './credentials';

const USAGE = `usage: npm run credentials -- add FAMILY DEVICE_ID [--password P] | list | revoke DEVICE_ID  [--data-dir DIR]
families: ${FAMILIES.join(', ')}`;

function main(): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: { 'data-dir': { type: 'string' }, password: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const dataDir = resolve(values['data-dir'] ?? process.env.MARSHAL_DATA_DIR ?? join(homedir(), '.marshal'));
  const store = new CredentialStore(dataDir);
  const [verb, a, b] = positionals;
  try {
    if (verb === 'add' && a && b) {
      const password = store.add(a as Family, b, values.password);
      // Shown once, on the operator's terminal; only its hash is stored.
      process.stdout.write(`username: ${b}\npassword: ${password}\n`);
      return 0;
    }
    if (verb === 'list') {
      for (const u of store.list()) process.stdout.write(`${u.username}\t${u.family}\t${u.created_at}\n`);
      return 0;
    }
    if (verb === 'revoke' && a) {
      if (!store.revoke(a)) {
        process.stderr.write(`no credential for ${a}\n`);
        return 1;
      }
      process.stdout.write(`revoked ${a}\n`);
      return 0;
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exit(main());
