/**
 * The BlueZ transport against a fake D-Bus that behaves like bluetoothd (object tree,
 * InterfacesAdded, PropertiesChanged): the real system bus is not available on this machine, so
 * this checks the mapping from GattTransport calls to BlueZ objects, methods and signals.
 */
import { describe, expect, it } from 'vitest';
import { fullUuid } from '../../../src-shared/bridges/gatt';
import {
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
} from '../../../src-shared/decoders/amg';
import { BluezTransport, DbusVariant, devicePath, type DbusClient, type DbusSignal } from './bluez';

const ADAPTER = '/org/bluez/hci0';
const ADDRESS = 'C4:5A:11:22:33:44';
const DEV = devicePath(ADAPTER, ADDRESS);
const CHAR_NOTIFY = `${DEV}/service000c/char000d`;
const CHAR_WRITE = `${DEV}/service000c/char0010`;
const CHAR_BATTERY = `${DEV}/service0020/char0021`;

type Objects = Record<string, Record<string, Record<string, unknown>>>;

class FakeBluez implements DbusClient {
  objects: Objects = {
    [ADAPTER]: { 'org.bluez.Adapter1': { Powered: true, Address: '00:1A:7D:DA:71:13' } },
  };
  calls: string[] = [];
  writes: { path: string; value: Uint8Array; type: unknown }[] = [];
  notifying = new Set<string>();
  matches: string[] = [];
  private listeners = new Set<(s: DbusSignal) => void>();
  /** A device BlueZ will announce once discovery starts. */
  nearby = true;

  emit(path: string, iface: string, member: string, body: unknown[]) {
    for (const l of [...this.listeners]) l({ path, iface, member, body });
  }

  changed(path: string, iface: string, props: Record<string, unknown>) {
    Object.assign(this.objects[path]![iface]!, props);
    this.emit(path, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', [iface, props, []]);
  }

  async call(dest: string, path: string, iface: string, member: string, _sig: string, body: unknown[]) {
    this.calls.push(`${iface.split('.').pop()}.${member} ${path}`);
    if (member === 'NameHasOwner') return [true];
    if (member === 'GetManagedObjects') return [structuredClone(this.objects)];
    if (member === 'StartDiscovery') {
      if (this.nearby && !this.objects[DEV]) {
        const dev = {
          Address: ADDRESS,
          Name: 'AMG LAB COMM 0042',
          RSSI: -60,
          Connected: false,
          ServicesResolved: false,
        };
        this.objects[DEV] = { 'org.bluez.Device1': dev };
        this.emit('/', 'org.freedesktop.DBus.ObjectManager', 'InterfacesAdded', [
          DEV,
          { 'org.bluez.Device1': dev },
        ]);
      }
      return [];
    }
    if (member === 'Connect') {
      this.objects[`${DEV}/service000c`] = { 'org.bluez.GattService1': { UUID: AMG_SERVICE_UUID } };
      this.objects[CHAR_NOTIFY] = {
        'org.bluez.GattCharacteristic1': {
          UUID: AMG_NOTIFY_CHARACTERISTIC_UUID,
          Service: `${DEV}/service000c`,
        },
      };
      this.objects[CHAR_WRITE] = {
        'org.bluez.GattCharacteristic1': {
          UUID: AMG_WRITE_CHARACTERISTIC_UUID,
          Service: `${DEV}/service000c`,
        },
      };
      this.objects[`${DEV}/service0020`] = {
        'org.bluez.GattService1': { UUID: '0000180f-0000-1000-8000-00805f9b34fb' },
      };
      this.objects[CHAR_BATTERY] = {
        'org.bluez.GattCharacteristic1': {
          UUID: '00002a19-0000-1000-8000-00805f9b34fb',
          Service: `${DEV}/service0020`,
        },
      };
      setTimeout(() => {
        this.changed(DEV, 'org.bluez.Device1', { Connected: true });
        this.changed(DEV, 'org.bluez.Device1', { ServicesResolved: true });
      }, 5);
      return [];
    }
    if (member === 'StartNotify') this.notifying.add(path);
    if (member === 'ReadValue') return [Uint8Array.of(77)];
    if (member === 'WriteValue') {
      const [value, opts] = body as [Uint8Array, Record<string, unknown>];
      this.writes.push({ path, value: new Uint8Array(value), type: opts.type });
    }
    if (member === 'Disconnect')
      this.changed(DEV, 'org.bluez.Device1', { Connected: false, ServicesResolved: false });
    void dest;
    return [];
  }

  async addMatch(rule: string) {
    this.matches.push(rule);
  }

  onSignal(listener: (s: DbusSignal) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close() {
    this.listeners.clear();
  }
}

describe('BluezTransport over a fake bluetoothd', () => {
  it('reports why BLE is not available', async () => {
    const bus = new FakeBluez();
    bus.objects[ADAPTER]!['org.bluez.Adapter1']!.Powered = false;
    expect(await new BluezTransport(bus).available()).toEqual({
      ok: false,
      reason: 'the Bluetooth adapter is powered off',
    });
    bus.objects = {};
    expect(await new BluezTransport(bus).available()).toEqual({ ok: false, reason: 'no Bluetooth adapter' });
  });

  it('scans with an LE filter and reports devices as BlueZ announces them', async () => {
    const bus = new FakeBluez();
    const t = new BluezTransport(bus);
    expect(await t.available()).toEqual({ ok: true });
    expect(bus.matches).toEqual(["type='signal',sender='org.bluez'"]);
    const seen: string[] = [];
    const stop = await t.startScan((adv) => seen.push(`${adv.address} ${adv.name} ${adv.rssi}`));
    expect(seen).toEqual(['C4:5A:11:22:33:44 AMG LAB COMM 0042 -60']);
    bus.changed(DEV, 'org.bluez.Device1', { RSSI: -52 });
    expect(seen.at(-1)).toBe('C4:5A:11:22:33:44 AMG LAB COMM 0042 -52');
    await stop();
    expect(bus.calls).toEqual(
      expect.arrayContaining([
        `Adapter1.SetDiscoveryFilter ${ADAPTER}`,
        `Adapter1.StartDiscovery ${ADAPTER}`,
        `Adapter1.StopDiscovery ${ADAPTER}`,
      ]),
    );
  });

  it('connects, waits for services, notifies, writes, reads and sees the link drop', async () => {
    const bus = new FakeBluez();
    const t = new BluezTransport(bus);
    await t.available();
    const conn = await t.connect(ADDRESS, { services: [AMG_SERVICE_UUID, '180f'] });
    expect(bus.calls).toContain(`Device1.Connect ${DEV}`);

    const values: string[] = [];
    await conn.subscribe(AMG_SERVICE_UUID, AMG_NOTIFY_CHARACTERISTIC_UUID, (v) =>
      values.push(Buffer.from(v).toString('hex')),
    );
    expect(bus.notifying.has(CHAR_NOTIFY)).toBe(true);
    bus.changed(CHAR_NOTIFY, 'org.bluez.GattCharacteristic1', { Value: Uint8Array.from([1, 5, 0, 0]) });
    expect(values).toEqual(['01050000']);

    await conn.write(
      AMG_SERVICE_UUID,
      AMG_WRITE_CHARACTERISTIC_UUID,
      new TextEncoder().encode('COM START'),
      'request',
    );
    expect(bus.writes).toHaveLength(1);
    expect(bus.writes[0]!.path).toBe(CHAR_WRITE);
    expect(Buffer.from(bus.writes[0]!.value).toString()).toBe('COM START');
    expect(bus.writes[0]!.type).toEqual(new DbusVariant('s', 'request'));
    expect([...(await conn.read(fullUuid('180f'), fullUuid('2a19')))]).toEqual([77]);

    // One link per device.
    await expect(t.connect(ADDRESS, { services: [AMG_SERVICE_UUID] })).rejects.toMatchObject({
      code: 'busy',
    });

    const dropped: string[] = [];
    conn.onDisconnect((r) => dropped.push(r));
    bus.changed(DEV, 'org.bluez.Device1', { Connected: false });
    expect(dropped).toEqual(['link lost']);
    // Gone: the device can be connected again.
    bus.objects[DEV]!['org.bluez.Device1']!.ServicesResolved = false;
    const again = await t.connect(ADDRESS, { services: [AMG_SERVICE_UUID] });
    await again.disconnect();
    expect(bus.calls.at(-1)).toBe(`Device1.Disconnect ${DEV}`);
  });
});
