/**
 * Stations: which match, stage, squad and shooter a timer serves, who is up and who is next, and
 * the move to the next stage once a squad has shot every string of one.
 */
import { ContractError, type CommandReq, type DeviceRow } from '../../src-shared/contract';
import type { StationRow, TimerInfo, UpNext } from '../../src-shared/contract/range';
import type { RunDeps } from './run-effects';
import type { Effects } from './run-effects';
import type { ShooterRec, StageRec, StationRec } from './repo';
import { upAndNext } from './squad';

export type StationDeps = Pick<RunDeps, 'repo' | 'setup' | 'score' | 'now' | 'devices'>;

export function timerRemoteStart(d: DeviceRow | undefined): boolean {
  if (!d) return false;
  const status = (d.status ?? {}) as Record<string, unknown>;
  if (status.remote_start === true) return true;
  const name = [d.name, status.device, status.model, status.name]
    .filter((x) => typeof x === 'string')
    .join(' ');
  return /AMG|COMMANDER|SG.?TIMER/i.test(name);
}

export class StationService {
  constructor(private readonly d: StationDeps) {}

  /** The station of a timer; a timer seen for the first time serves the latest match's stage assigned to it. */
  station(timerId: string): StationRec {
    const st = this.d.repo.station(timerId);
    if (st) return st;
    const blank: StationRec = {
      timer_id: timerId,
      match_id: null,
      stage_id: null,
      squad: null,
      shooter_id: null,
      updated_at: this.d.now(),
    };
    for (const m of this.d.repo.matches()) {
      const stages = this.d.repo.stages(m.id).filter((s) => s.timer_id === timerId);
      if (stages.length === 0) continue;
      const open = stages.find((s) => this.upNext({ ...blank, match_id: m.id, stage_id: s.id }, s).up);
      return { ...blank, match_id: m.id, stage_id: (open ?? stages[0]!).id };
    }
    return blank;
  }

  squadOf(st: Pick<StationRec, 'match_id' | 'squad'>): ShooterRec[] {
    if (!st.match_id) return [];
    const all = this.d.repo.shooters(st.match_id);
    return st.squad ? all.filter((s) => s.squad === st.squad) : all;
  }

  /** String numbers held by non-void runs, per shooter, on a stage. */
  taken(stage: StageRec): Map<string, Set<number>> {
    const taken = new Map<string, Set<number>>();
    for (const r of this.d.repo.runsOfStage(stage.id)) {
      if (!r.shooter_id || r.string_number === null) continue;
      if (r.state === 'closed' && this.d.score.fold(r).current?.voided) continue;
      let set = taken.get(r.shooter_id);
      if (!set) taken.set(r.shooter_id, (set = new Set()));
      set.add(r.string_number);
    }
    return taken;
  }

  upNext(st: StationRec, stage: StageRec | undefined): { up: UpNext | null; next: UpNext | null } {
    if (!stage) return { up: null, next: null };
    const squad = this.squadOf(st);
    const res = upAndNext(squad, stage.strings_per_stage, this.taken(stage), st.shooter_id);
    const as = (s: typeof res.up): UpNext | null =>
      s
        ? {
            shooter_id: s.shooter.id,
            name: s.shooter.name,
            division: s.shooter.division,
            class: s.shooter.class,
            string_number: s.string_number,
          }
        : null;
    return { up: as(res.up), next: as(res.next) };
  }

  timerInfo(timerId: string, devices = this.d.devices()): TimerInfo | null {
    const dev = devices.find((x) => x.device_id === timerId && x.family === 'range');
    if (!dev) return null;
    return {
      timer_id: timerId,
      name: dev.name ?? (typeof dev.status?.device === 'string' ? dev.status.device : null),
      online: dev.online,
      remote_start: timerRemoteStart(dev),
      battery: dev.battery,
    };
  }

  stationRow(timerId: string, devices?: DeviceRow[]): StationRow {
    const st = this.station(timerId);
    const stage = st.stage_id ? this.d.repo.stage(st.stage_id) : undefined;
    const { up, next } = this.upNext(st, stage);
    return {
      timer_id: timerId,
      match_id: st.match_id,
      stage_id: st.stage_id,
      squad: st.squad,
      shooter_id: st.shooter_id,
      up,
      next,
      running_run_id: this.d.repo.runningOnTimer(timerId)[0]?.id ?? null,
      last_run_id: this.d.repo.lastOnTimer(timerId)?.id ?? null,
      timer: this.timerInfo(timerId, devices),
    };
  }

  /** Every timer the console knows (stations, devices, stages), each with its station. */
  stations(): { stations: StationRow[]; timers: TimerInfo[] } {
    const devices = this.d.devices();
    const ids = new Set<string>();
    for (const s of this.d.repo.stations()) ids.add(s.timer_id);
    for (const dev of devices) if (dev.family === 'range' && dev.role === 'timer') ids.add(dev.device_id);
    for (const m of this.d.repo.matches())
      for (const s of this.d.repo.stages(m.id)) if (s.timer_id) ids.add(s.timer_id);
    const sorted = [...ids].sort();
    return {
      stations: sorted.map((id) => this.stationRow(id, devices)),
      timers: sorted.map(
        (id) =>
          this.timerInfo(id, devices) ?? {
            timer_id: id,
            name: null,
            online: false,
            remote_start: false,
            battery: null,
          },
      ),
    };
  }

  /** Applies an RO's change to a station; the caller marks its push and reads the row back. */
  update(req: CommandReq<'station.set'>): void {
    const cur = this.station(req.timer_id);
    const next: StationRec = { ...cur, updated_at: this.d.now() };
    if (req.match_id !== undefined) {
      if (req.match_id) this.d.setup.requireMatch(req.match_id);
      if (req.match_id !== cur.match_id) {
        next.stage_id = null;
        next.shooter_id = null;
        next.squad = null;
      }
      next.match_id = req.match_id;
    }
    if (req.stage_id !== undefined) {
      if (req.stage_id) {
        const stage = this.d.setup.requireStage(req.stage_id);
        if (next.match_id && stage.match_id !== next.match_id) {
          throw new ContractError(`stage ${stage.code} belongs to another match`);
        }
        next.match_id = stage.match_id;
        if (stage.id !== cur.stage_id) next.shooter_id = null;
      }
      next.stage_id = req.stage_id;
    }
    if (req.squad !== undefined) next.squad = req.squad;
    if (req.shooter_id !== undefined) {
      if (req.shooter_id) {
        const sh = this.d.setup.requireShooter(req.shooter_id);
        if (next.match_id && sh.match_id !== next.match_id) {
          throw new ContractError(`${sh.name} is not on this match's roster`);
        }
        next.match_id = sh.match_id;
      }
      next.shooter_id = req.shooter_id;
    }
    this.d.repo.upsertStation(next);
  }

  /** After a close: when the squad finished the stage, move the station to the next stage it has left. */
  advanceStage(timerId: string, fx: Effects): void {
    const st = this.d.repo.station(timerId);
    if (!st?.stage_id || !st.match_id) return;
    const stage = this.d.repo.stage(st.stage_id);
    if (!stage || this.upNext(st, stage).up) return;
    const stages = this.d.repo.stages(st.match_id);
    const idx = stages.findIndex((s) => s.id === stage.id);
    for (let k = 1; k < stages.length; k++) {
      const cand = stages[(idx + k) % stages.length]!;
      if (cand.timer_id !== null && cand.timer_id !== timerId) continue;
      const probe = { ...st, stage_id: cand.id, shooter_id: null };
      if (this.upNext(probe, cand).up) {
        this.d.repo.upsertStation({ ...probe, updated_at: this.d.now() });
        fx.stations.add(timerId);
        return;
      }
    }
  }
}
