/**
 * What a device family is to the console, in one place: its topic trees, its parser, its LAN ACL,
 * which device role each event kind updates, its commands and how they go on the wire, its
 * retained configuration. Everything else loops over the registry (index.ts).
 */
import type { CommandDef, CommandTarget } from '../commands/catalogue';
import type { ConfigSpec } from '../commands/config';
import type { EventKind } from '../events/model';
import type { ParseResult } from '../ingest/result';

export interface FamilyOptions {
  /** Topic prefix of range bridges ('' for the bare tree only). */
  rangePrefix: string;
  /** Sample rate assumed for BT50 raw frames that do not say theirs. */
  defaultRateHz?: number;
}

export interface Acl {
  /** Topic filters (`+`, `#`) a credential of this family may publish to. */
  publish: string[];
  subscribe: string[];
  /** Topics inside `publish` that are still refused (what only the console sends). */
  denyPublish?: (topic: string) => boolean;
}

export interface EncodeInput {
  deviceId: string;
  commandId: string;
  command: string;
  /** Already validated against the catalogue. */
  args: Record<string, unknown>;
  /** Epoch ms. */
  issuedAt: number;
  rangePrefix: string;
}

export interface EncodedCommand {
  topic: string;
  /** What goes on the wire: JSON text, or the raw bytes a device reads. */
  payload: string | Uint8Array;
  /** The QoS it is published with (1 unless said). */
  qos?: 0 | 1 | 2;
}

/** A kind of device in the family that takes commands, with its catalogue and wire encoding. */
export interface CommandTargetSpec {
  target: CommandTarget;
  label: string;
  /** The registry role a device must have for this target; undefined: any device of the family. */
  role?: string;
  commands: readonly CommandDef[];
  encode(input: EncodeInput): EncodedCommand;
  /** Topics an acknowledgement for this device's commands may arrive on. */
  ackTopics(deviceId: string, rangePrefix: string): string[];
  /**
   * For devices that answer without an ack message: whether this event of the command's device
   * (already committed) is the answer to this sent command. Absent: only acks answer.
   */
  answeredBy?(event: AnswerEvent, command: SentCommand): boolean;
  /**
   * False for devices that never acknowledge: a command ends `delivered` once the broker took it,
   * instead of waiting for an ack that cannot come and timing out.
   */
  answers?: boolean;
}

export interface AnswerEvent {
  kind: EventKind;
  device_id: string;
  topic: string;
  data: Record<string, unknown>;
}

export interface SentCommand {
  device_id: string;
  command: string;
  args: Record<string, unknown>;
}

export interface FamilyDescriptor {
  /** The family's id: in credentials, the device registry and on events. */
  readonly id: string;
  readonly label: string;
  /**
   * The topic levels below the family's tree root when the topic is in one of its trees, else
   * null. The parser gets exactly these levels.
   */
  match(topic: string, opts: FamilyOptions): string[] | null;
  /** Topic levels + bytes → events or a reject with its reason; never throws on bad input. */
  parse(levels: string[], payload: Uint8Array, receivedAt: number, opts: FamilyOptions): ParseResult;
  /** LAN mode: what a credential of this family for this device id may do. */
  acl(deviceId: string, opts: FamilyOptions): Acl;
  /** The structural role (timer, sensor, booth…) of the device an event of this kind updates. */
  roles: Partial<Record<EventKind, string | null>>;
  targets: readonly CommandTargetSpec[];
  /**
   * Roles of devices another client publishes for (a range bridge's timers and sensors): the
   * relaying client's MQTT session says nothing about whether each of them is alive.
   */
  relayedRoles?: readonly string[];
  config?: ConfigSpec;
  /** False for families that never publish over MQTT themselves (bridged devices). */
  credentials: boolean;
}
