#!/usr/bin/env node
// `npm run certs`: a local certificate authority and a server certificate for this laptop, so that
// devices that only speak TLS (the M.A.S.H. gateway: TLS 1.2, CA and host name checked) can use
// the embedded broker. Uses the `openssl` command line tool.
//
//   npm run certs -- [--data-dir DIR] [--name HOST]... [--ip ADDR]... [--days N] [--force]
//
// Writes DIR/tls/{ca.pem, ca.key, server.pem, server.key} (DIR: --data-dir, MARSHAL_DATA_DIR or
// ~/.marshal, as serve). The CA is kept when it exists, so devices that trust it keep working when
// the server certificate is made again (a new address); --force makes a new CA too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    name: { type: 'string', multiple: true },
    ip: { type: 'string', multiple: true },
    days: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
});

const dataDir = resolve(values['data-dir'] ?? process.env.MARSHAL_DATA_DIR ?? join(homedir(), '.marshal'));
const dir = join(dataDir, 'tls');
const days = values.days ?? '825';
if (!/^\d{1,5}$/.test(days)) throw new Error('--days must be a whole number of days');
mkdirSync(dir, { recursive: true, mode: 0o700 });

const host = hostname();
const names = new Set([
  'localhost',
  host,
  ...(host.includes('.') ? [] : [`${host}.local`]),
  ...(values.name ?? []),
]);
const ips = new Set(['127.0.0.1', ...(values.ip ?? [])]);
for (const list of Object.values(networkInterfaces()))
  for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) ips.add(a.address);
for (const n of names) if (!/^[A-Za-z0-9.-]{1,253}$/.test(n)) throw new Error(`not a host name: ${n}`);
for (const ip of ips) if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new Error(`not an IPv4 address: ${ip}`);

const file = (n) => join(dir, n);
const openssl = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

if (values.force || !existsSync(file('ca.pem')) || !existsSync(file('ca.key'))) {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '3650',
    '-subj',
    `/CN=Marshal local CA (${host})`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

const san = [...[...names].map((n) => `DNS:${n}`), ...[...ips].map((ip) => `IP:${ip}`)].join(',');
writeFileSync(
  file('server-ext.cnf'),
  `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
);
openssl([
  'req',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-sha256',
  '-keyout',
  file('server.key'),
  '-out',
  file('server.csr'),
  '-subj',
  `/CN=${host}`,
]);
openssl([
  'x509',
  '-req',
  '-sha256',
  '-in',
  file('server.csr'),
  '-CA',
  file('ca.pem'),
  '-CAkey',
  file('ca.key'),
  '-CAcreateserial',
  '-out',
  file('server.pem'),
  '-days',
  days,
  '-extfile',
  file('server-ext.cnf'),
]);
rmSync(file('server.csr'), { force: true });

if (!values.quiet) {
  console.log(`CA:          ${file('ca.pem')}  (install this on each device)`);
  console.log(`certificate: ${file('server.pem')}  for ${san.replaceAll(',', ', ')}`);
  console.log(`key:         ${file('server.key')}`);
  console.log(
    `\nnpm run serve -- --data-dir ${dataDir} --tls-cert ${file('server.pem')} --tls-key ${file('server.key')}`,
  );
}
