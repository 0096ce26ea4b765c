/**
 * Serial ports present on this machine. The serialport library lists them on Linux by spawning
 * `udevadm`, which a fresh Debian image, a container or a minimal Raspberry Pi install may not
 * have (or have without a running udev, so it lists nothing); the kernel still names every port
 * in /dev and describes it in sysfs, so that is read directly when the library cannot answer.
 */
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SerialPort } from 'serialport';

export interface ListedPort {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export interface ListPortsOptions {
  /** The library's lister (tests inject a failing one). */
  lister?: () => Promise<ListedPort[]>;
  /** Where device nodes live. */
  devDir?: string;
  /** sysfs' tty class directory. */
  sysTtyDir?: string;
}

/** The kernel names of serial devices (the ones the library's own Linux lister accepts). */
const SERIAL_NAME = /^(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)\d+|rfcomm\d+)$/;
/** How far up from a tty's sysfs device the USB device (with idVendor) may sit. */
const USB_PARENT_LEVELS = 5;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readAttr(dir: string, name: string): Promise<string | undefined> {
  try {
    const v = (await readFile(join(dir, name), 'utf8')).trim();
    return v.length > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What sysfs says about a tty: vendor, product, maker and serial of the USB device it belongs to.
 * Null for a built-in UART slot with no chip behind it (`type` 0, PORT_UNKNOWN): Linux creates
 * ttyS0…ttyS31 whether or not a port exists.
 */
async function describeTty(sysTtyDir: string, name: string): Promise<Omit<ListedPort, 'path'> | null> {
  const tty = join(sysTtyDir, name);
  if (name.startsWith('ttyS') && (await readAttr(tty, 'type')) === '0') return null;
  let dir: string;
  try {
    dir = await realpath(join(tty, 'device'));
  } catch {
    return {};
  }
  for (let i = 0; i < USB_PARENT_LEVELS && dir !== dirname(dir); i++, dir = dirname(dir)) {
    const vendorId = await readAttr(dir, 'idVendor');
    if (vendorId === undefined) continue;
    return {
      vendorId,
      productId: await readAttr(dir, 'idProduct'),
      manufacturer: await readAttr(dir, 'manufacturer'),
      serialNumber: await readAttr(dir, 'serial'),
    };
  }
  return {};
}

/** Serial device nodes in /dev (and the targets of /dev/serial/by-id), described from sysfs. */
export async function listPortsFromFilesystem(
  opts: Pick<ListPortsOptions, 'devDir' | 'sysTtyDir'> = {},
): Promise<ListedPort[]> {
  const devDir = opts.devDir ?? '/dev';
  const sysTtyDir = opts.sysTtyDir ?? '/sys/class/tty';
  const names = new Set<string>();
  try {
    for (const n of await readdir(devDir)) if (SERIAL_NAME.test(n)) names.add(n);
  } catch {
    return [];
  }
  // Adapters whose kernel name is not in the pattern still get a stable link here.
  try {
    const byId = join(devDir, 'serial', 'by-id');
    for (const link of await readdir(byId)) {
      try {
        // One level only: the link names the device node, whatever that node is itself.
        const target = resolve(byId, await readlink(join(byId, link)));
        if (dirname(target) === resolve(devDir)) names.add(basename(target));
      } catch {
        // not a link
      }
    }
  } catch {
    // no /dev/serial/by-id: nothing is plugged in over USB, or nothing maintains the links
  }
  const ports: ListedPort[] = [];
  for (const name of [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const path = join(devDir, name);
    if (!(await exists(path))) continue;
    const info = await describeTty(sysTtyDir, name);
    if (info) ports.push({ path, ...info });
  }
  return ports;
}

/**
 * The library's list when it can give one; the filesystem's when it fails (no udevadm) or finds
 * nothing (udevadm without a running udev lists no device at all).
 */
export async function listSerialPorts(opts: ListPortsOptions = {}): Promise<ListedPort[]> {
  const lister = opts.lister ?? (() => SerialPort.list());
  try {
    const listed = await lister();
    if (listed.length > 0) return listed;
  } catch {
    // fall through to the filesystem
  }
  return listPortsFromFilesystem(opts);
}
