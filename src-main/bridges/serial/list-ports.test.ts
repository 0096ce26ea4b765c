import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPortsFromFilesystem, listSerialPorts } from './list-ports';

/**
 * A machine in miniature: a /dev whose serial nodes are socat ptys (real terminals the kernel
 * made), a sysfs tty class with a USB adapter behind ttyUSB0, and the udev-style by-id link.
 */
let root: string;
let dev: string;
let sys: string;
let socat: ChildProcess;

function startSocat(a: string, b: string): Promise<ChildProcess> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    // socat creates both links before it says it starts transferring data.
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('starting data transfer loop')) resolve(proc);
    });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`socat exited ${code}: ${log}`)));
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'marshal-ports-'));
  dev = join(root, 'dev');
  sys = join(root, 'sys');
  mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
  // An adapter whose kernel name the pattern does not know: only its by-id link finds it.
  socat = await startSocat(join(dev, 'ttyUSB0'), join(dev, 'ttyCH341USB0'));
  symlinkSync('../../ttyCH341USB0', join(dev, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0'));
  symlinkSync('../../ttyUSB7', join(dev, 'serial', 'by-id', 'usb-gone-if00-port0'));
  // Unplugged: the name is there, the device is not.
  symlinkSync(join(root, 'nowhere'), join(dev, 'ttyACM3'));
  writeFileSync(join(dev, 'ttyS0'), '');
  writeFileSync(join(dev, 'ttyS1'), '');
  writeFileSync(join(dev, 'null'), '');

  const usb = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1');
  mkdirSync(join(usb, '1-1:1.0', 'ttyUSB0'), { recursive: true });
  writeFileSync(join(usb, 'idVendor'), '0403\n');
  writeFileSync(join(usb, 'idProduct'), '6001\n');
  writeFileSync(join(usb, 'manufacturer'), 'FTDI\n');
  writeFileSync(join(usb, 'serial'), 'A50285BI\n');
  const tty = join(sys, 'class', 'tty');
  mkdirSync(join(tty, 'ttyUSB0'), { recursive: true });
  symlinkSync(join(usb, '1-1:1.0'), join(tty, 'ttyUSB0', 'device'));
  // A UART with a chip behind it, and one of the empty slots Linux always creates.
  mkdirSync(join(tty, 'ttyS0'));
  writeFileSync(join(tty, 'ttyS0', 'type'), '4\n');
  mkdirSync(join(tty, 'ttyS1'));
  writeFileSync(join(tty, 'ttyS1', 'type'), '0\n');
});

afterAll(() => {
  socat?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

const opts = () => ({ devDir: dev, sysTtyDir: join(sys, 'class', 'tty') });
const expected = () => [
  { path: join(dev, 'ttyCH341USB0') },
  { path: join(dev, 'ttyS0') },
  {
    path: join(dev, 'ttyUSB0'),
    vendorId: '0403',
    productId: '6001',
    manufacturer: 'FTDI',
    serialNumber: 'A50285BI',
  },
];

describe('listing serial ports without udev', () => {
  it('reads the device nodes that exist, with USB details from sysfs, skipping empty UART slots', async () => {
    expect(await listPortsFromFilesystem(opts())).toEqual(expected());
  });

  it('falls back to the filesystem when the library cannot spawn udevadm', async () => {
    // The real library lister, with no udevadm to be found on the PATH.
    const path = process.env.PATH;
    process.env.PATH = join(root, 'empty-bin');
    try {
      expect(await listSerialPorts(opts())).toEqual(expected());
    } finally {
      process.env.PATH = path;
    }
  });

  it('falls back when the lister fails or finds nothing, and keeps its answer otherwise', async () => {
    const failing = () => Promise.reject(new Error('spawn udevadm ENOENT'));
    expect(await listSerialPorts({ ...opts(), lister: failing })).toEqual(expected());
    expect(await listSerialPorts({ ...opts(), lister: () => Promise.resolve([]) })).toEqual(expected());
    const udev = [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }];
    expect(await listSerialPorts({ ...opts(), lister: () => Promise.resolve(udev) })).toEqual(udev);
  });

  it('answers an empty list, not an error, when there is no /dev to read', async () => {
    expect(
      await listPortsFromFilesystem({ devDir: join(root, 'missing'), sysTtyDir: join(root, 'x') }),
    ).toEqual([]);
  });
});
