/**
 * The karting capability's part of the contract: circuits, the operator's capture, feed status
 * with its connection log, and the current standings.
 */
import { z } from 'zod';

const circuitId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const empty = z.object({}).strict().optional();

export const kartingCommandSchemas = {
  'karting.circuits': empty,
  'karting.circuit.put': z
    .object({
      id: circuitId,
      nom: z.string().trim().min(1).max(200),
      wssUrl: z.string().max(500),
      liveTimingUrl: z.string().max(500).optional(),
      protocol: z.enum(['auto', 'apex', 'rmonitor']).optional(),
      /** `c1`…`c14` labels; null unsets one. */
      labels: z.record(z.string().regex(/^c([1-9]|1[0-4])$/), z.string().max(60).nullable()).optional(),
    })
    .strict(),
  'karting.circuit.delete': z.object({ id: circuitId }).strict(),
  'karting.capture': z.object({ id: circuitId, action: z.enum(['start', 'stop']) }).strict(),
  'karting.status': z.object({ id: circuitId }).strict(),
  'karting.standings': z.object({ circuit: circuitId.optional() }).strict().optional(),
} satisfies Record<string, z.ZodType>;

type S = typeof kartingCommandSchemas;

export interface KartingCircuitRow {
  id: string;
  nom: string;
  wssUrl: string;
  liveTimingUrl: string;
  protocol: 'auto' | 'apex' | 'rmonitor';
  labels: Record<string, string | null>;
  capture: string[];
  state: string;
  protocol_detected: string | null;
  clients: number;
}

export interface KartingLogRow {
  ts: string;
  event: string;
  detail?: string;
}

export interface KartingFeedStatus {
  circuit_id: string;
  is_running: boolean;
  is_connected: boolean;
  state: string;
  protocol: string | null;
  started_by: string[];
  message_count: number;
  lines: number;
  foreign_lines: number;
  laps: number;
  errors: number;
  last_error: string | null;
  reconnects: number;
  watchdog_kills: number;
  next_retry_at: string | null;
  open_sockets: number;
  log: KartingLogRow[];
  [extra: string]: unknown;
}

export interface KartingStandingsEntry {
  position: number | null;
  row_id: string;
  kart: string;
  name: string;
  team: string | null;
  driver: string | null;
  class: string | null;
  laps: number;
  last_lap_ms: number | null;
  best_lap_ms: number | null;
  personal_best: boolean;
  overall_best: boolean;
  gap_ms: number | null;
  gap_laps: number | null;
  gap: string | null;
  in_pit: boolean;
  pits: number;
}

export interface KartingStandings {
  circuit_id: string;
  protocol: string | null;
  session: { id: string; type: string; name: string; started_at: string } | null;
  flag: string;
  clock: {
    remaining_ms: number | null;
    elapsed_ms: number | null;
    laps_to_go: number | null;
    text: string | null;
    at: string;
  } | null;
  best_lap_ms: number | null;
  feed: { state: string; stale: boolean; last_data_at: string | null };
  entries: KartingStandingsEntry[];
}

export interface KartingCommandMap {
  'karting.circuits': { req: z.infer<S['karting.circuits']>; res: { circuits: KartingCircuitRow[] } };
  'karting.circuit.put': { req: z.infer<S['karting.circuit.put']>; res: { circuit: KartingCircuitRow } };
  'karting.circuit.delete': { req: z.infer<S['karting.circuit.delete']>; res: { deleted: string } };
  'karting.capture': { req: z.infer<S['karting.capture']>; res: KartingFeedStatus };
  'karting.status': { req: z.infer<S['karting.status']>; res: KartingFeedStatus };
  'karting.standings': { req: z.infer<S['karting.standings']>; res: KartingStandings | null };
}
