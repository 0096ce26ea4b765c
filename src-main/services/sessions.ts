/**
 * Which MQTT client carries which device, so a device shows offline the moment the broker ends
 * its client's session (a DISCONNECT, a lost connection, or aedes' keepalive timeout at
 * 1.5 × the keepalive) instead of after the silence timeout. Only the embedded broker reports
 * sessions; on an external broker devices keep the silence timeout.
 */
export class ClientSessions {
  /** Live clients, and the device each holds a credential for (LAN mode). */
  private live = new Map<string, string | null>();
  /** Per device key: the client its latest message came over. */
  private carrier = new Map<string, string>();

  static key(family: string, deviceId: string): string {
    return `${family}\u0000${deviceId}`;
  }

  connected(clientId: string, device: { family: string; device_id: string } | null): void {
    const key = device ? ClientSessions.key(device.family, device.device_id) : null;
    this.live.set(clientId, key);
    if (key) this.carrier.set(key, clientId);
  }

  disconnected(clientId: string): void {
    this.live.delete(clientId);
  }

  /** A committed message of the device came over `clientId`. */
  observe(clientId: string | null | undefined, family: string, deviceId: string): void {
    if (!clientId) return;
    this.carrier.set(ClientSessions.key(family, deviceId), clientId);
  }

  /**
   * `gone`: the client that last carried the device has no session any more; `live`: it has;
   * null: nothing known (never seen over the embedded broker since the start).
   */
  state(family: string, deviceId: string): 'live' | 'gone' | null {
    const key = ClientSessions.key(family, deviceId);
    const clientId = this.carrier.get(key);
    if (clientId === undefined) return null;
    if (this.live.has(clientId)) return 'live';
    // Another live client holding this device's credential (it reconnected under another id).
    for (const k of this.live.values()) if (k === key) return 'live';
    return 'gone';
  }
}
