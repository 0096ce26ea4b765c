/**
 * Match setup: matches, stages (targets with primary/stop roles, sensor ↔ plate and timer ↔ stage
 * assignment, the classifier presets), shooters and squads, roster CSV import and export, and the
 * demo match the simulator shoots.
 */
import { toIso } from '../../src-shared/events/time';
import {
  CLASSES,
  classifierStage,
  DIVISIONS,
  type ClassifierCode,
  type Division,
  type ShooterClass,
} from '../../src-shared/range/scoring';
import { toCsv } from '../../src-shared/csv/csv';
import { ContractError, type CommandReq } from '../../src-shared/contract';
import type {
  ImportResult,
  ImportRowError,
  MatchDetail,
  MatchRow,
  ShooterRow,
  StageRow,
  TargetRow,
} from '../../src-shared/contract/range';
import { isValidDeviceId } from '../../src-shared/ids';
import {
  DEMO_MATCH_NAME,
  DEMO_PLATES,
  DEMO_SQUAD,
  DEMO_SQUAD_NAME,
  DEMO_STAGES,
  DEMO_STOP_PLATE,
} from '../../src-shared/range/demo-match';
import { CsvSyntaxError, readCsv } from './csv-read';
import { newId, type MatchRec, type RangeRepo, type ShooterRec, type StageRec } from './repo';

export const DEFAULT_TIMER_ID = 'amg-01';

export function matchRow(repo: RangeRepo, m: MatchRec): MatchRow {
  const c = repo.matchCounts(m.id);
  return { match_id: m.id, name: m.name, date: m.date, created_at: toIso(m.created_at), ...c };
}

export function stageRow(s: StageRec): StageRow {
  return {
    stage_id: s.id,
    match_id: s.match_id,
    position: s.position,
    code: s.code,
    name: s.name,
    strings_per_stage: s.strings_per_stage,
    counted_strings: s.counted_strings,
    timer_id: s.timer_id,
    targets: s.targets,
  };
}

export function shooterRow(s: ShooterRec): ShooterRow {
  return {
    shooter_id: s.id,
    match_id: s.match_id,
    name: s.name,
    division: s.division,
    class: s.class,
    categories: s.categories,
    squad: s.squad,
    squad_position: s.squad_position,
  };
}

/** Five plates: P1–P4 primary, P5 the stop plate; no sensors until assigned. */
export function defaultTargets(): TargetRow[] {
  return DEMO_PLATES.map((p) => ({
    plate_id: p,
    role: p === DEMO_STOP_PLATE ? 'stop' : 'primary',
    sensor_id: null,
    label: p === DEMO_STOP_PLATE ? 'Stop' : p,
  }));
}

function normalizeTargets(targets: CommandReq<'stage.create'>['targets']): TargetRow[] {
  return (targets ?? []).map((t) => ({
    plate_id: t.plate_id,
    role: t.role,
    sensor_id: t.sensor_id ?? null,
    label: t.label?.trim() || (t.role === 'stop' ? 'Stop' : t.plate_id),
  }));
}

export class SetupService {
  constructor(
    private readonly repo: RangeRepo,
    private readonly now: () => number = Date.now,
  ) {}

  requireMatch(id: string): MatchRec {
    const m = this.repo.match(id);
    if (!m) throw new ContractError(`unknown match ${id}`, 404);
    return m;
  }

  requireStage(id: string): StageRec {
    const s = this.repo.stage(id);
    if (!s) throw new ContractError(`unknown stage ${id}`, 404);
    return s;
  }

  requireShooter(id: string): ShooterRec {
    const s = this.repo.shooter(id);
    if (!s) throw new ContractError(`unknown shooter ${id}`, 404);
    return s;
  }

  /**
   * Match names are unique (ignoring case and surrounding spaces): exports, the RO's picker and the
   * results page name a match by it, and two of the same name cannot be told apart there.
   */
  private requireFreeName(name: string, exceptId?: string): void {
    const key = name.trim().toLowerCase();
    const taken = this.repo.matches().find((m) => m.id !== exceptId && m.name.trim().toLowerCase() === key);
    if (taken)
      throw new ContractError(
        `a match named "${taken.name}" already exists (${taken.id}); open it, or rename or delete it first`,
        409,
      );
  }

  listMatches(): MatchRow[] {
    return this.repo.matches().map((m) => matchRow(this.repo, m));
  }

  /** The newest match, for requests that name none. */
  latestMatch(): MatchRec | undefined {
    return this.repo.matches()[0];
  }

  detail(id: string): MatchDetail {
    const m = this.requireMatch(id);
    const shooters = this.repo.shooters(id);
    const squads = [...new Set(shooters.map((s) => s.squad).filter((s): s is string => !!s))].sort();
    return {
      match: matchRow(this.repo, m),
      stages: this.repo.stages(id).map(stageRow),
      shooters: shooters.map(shooterRow),
      squads,
    };
  }

  createMatch(req: CommandReq<'match.create'>): MatchDetail {
    this.requireFreeName(req.name);
    const id = newId('m');
    this.repo.tx(() => {
      this.repo.insertMatch({ id, name: req.name, date: req.date ?? null, created_at: this.now() });
      for (const code of req.classifier_stages ?? []) {
        this.insertStage(id, { preset: code, timer_id: req.timer_id ?? null });
      }
    });
    return this.detail(id);
  }

  updateMatch(req: CommandReq<'match.update'>): MatchDetail {
    const m = this.requireMatch(req.match_id);
    if (req.name !== undefined) this.requireFreeName(req.name, m.id);
    this.repo.updateMatch(m.id, req.name ?? m.name, req.date === undefined ? m.date : req.date);
    return this.detail(m.id);
  }

  deleteMatch(id: string): void {
    this.requireMatch(id);
    const c = this.repo.matchCounts(id);
    if (c.runs > 0)
      throw new ContractError(`match ${id} has ${c.runs} run(s): results are kept, not deleted`);
    this.repo.deleteMatch(id);
  }

  private insertStage(matchId: string, req: Omit<CommandReq<'stage.create'>, 'match_id'>): StageRec {
    const preset = req.preset ? classifierStage(req.preset) : null;
    const strings = req.strings_per_stage ?? preset?.stringsPerStage ?? 5;
    const counted = req.counted_strings ?? preset?.countedStrings ?? Math.max(1, strings - 1);
    if (counted > strings) throw new ContractError('counted_strings must not exceed strings_per_stage');
    const code = req.code ?? preset?.code;
    const name = req.name ?? preset?.name;
    if (!code || !name) throw new ContractError('a stage needs a preset, or a code and a name');
    const stage: StageRec = {
      id: newId('st'),
      match_id: matchId,
      position: this.repo.nextStagePosition(matchId),
      code,
      name,
      strings_per_stage: strings,
      counted_strings: counted,
      timer_id: req.timer_id ?? null,
      targets: req.targets ? normalizeTargets(req.targets) : defaultTargets(),
    };
    this.repo.insertStage(stage);
    return stage;
  }

  createStage(req: CommandReq<'stage.create'>): StageRow {
    this.requireMatch(req.match_id);
    return stageRow(this.insertStage(req.match_id, req));
  }

  updateStage(req: CommandReq<'stage.update'>): StageRow {
    const s = this.requireStage(req.stage_id);
    const next: StageRec = {
      ...s,
      code: req.code ?? s.code,
      name: req.name ?? s.name,
      strings_per_stage: req.strings_per_stage ?? s.strings_per_stage,
      counted_strings: req.counted_strings ?? s.counted_strings,
      timer_id: req.timer_id === undefined ? s.timer_id : req.timer_id,
      targets: req.targets ? normalizeTargets(req.targets) : s.targets,
      position: req.position ?? s.position,
    };
    if (next.counted_strings > next.strings_per_stage) {
      throw new ContractError('counted_strings must not exceed strings_per_stage');
    }
    const runs = this.repo.runsOfStage(s.id);
    const highest = Math.max(0, ...runs.map((r) => r.string_number ?? 0));
    if (highest > next.strings_per_stage) {
      throw new ContractError(
        `stage ${s.code} already has string ${highest}: strings_per_stage cannot go below it`,
      );
    }
    this.repo.updateStage(next);
    return stageRow(next);
  }

  deleteStage(id: string): void {
    const s = this.requireStage(id);
    const runs = this.repo.runsOfStage(id).length;
    if (runs > 0) throw new ContractError(`stage ${s.code} has ${runs} run(s): it cannot be deleted`);
    this.repo.deleteStage(id);
  }

  createShooter(req: CommandReq<'shooter.create'>): ShooterRow {
    this.requireMatch(req.match_id);
    const s: ShooterRec = {
      id: newId('sh'),
      match_id: req.match_id,
      name: req.name,
      division: req.division,
      class: req.class,
      categories: dedupe(req.categories ?? []),
      squad: req.squad ?? null,
      squad_position: req.squad_position ?? null,
      created_at: this.now(),
    };
    this.repo.insertShooter(s);
    return shooterRow(s);
  }

  updateShooter(req: CommandReq<'shooter.update'>): ShooterRow {
    const s = this.requireShooter(req.shooter_id);
    const next: ShooterRec = {
      ...s,
      name: req.name ?? s.name,
      division: req.division ?? s.division,
      class: req.class ?? s.class,
      categories: req.categories ? dedupe(req.categories) : s.categories,
      squad: req.squad === undefined ? s.squad : req.squad,
      squad_position: req.squad_position === undefined ? s.squad_position : req.squad_position,
    };
    this.repo.updateShooter(next);
    return shooterRow(next);
  }

  deleteShooter(id: string): void {
    const s = this.requireShooter(id);
    const runs = this.repo.listRuns({ shooter_id: id, limit: 1 }).length;
    if (runs > 0) throw new ContractError(`${s.name} has runs: a shooter with results cannot be deleted`);
    this.repo.deleteShooter(id);
  }

  /** Roster CSV import, see the contract. Every bad row is reported with its line number. */
  importRoster(req: CommandReq<'shooter.import'>): ImportResult {
    const match = this.requireMatch(req.match_id);
    let records;
    try {
      records = readCsv(req.csv);
    } catch (err) {
      if (err instanceof CsvSyntaxError) {
        return { imported: 0, valid: 0, errors: [{ line: err.line, error: err.message }] };
      }
      throw err;
    }
    const header = records.shift();
    if (!header) return { imported: 0, valid: 0, errors: [{ line: 1, error: 'the file is empty' }] };
    const cols = header.cells.map((c) => c.trim().toLowerCase().replace(/\s+/g, '_'));
    const col = (name: string, ...aliases: string[]) => {
      for (const n of [name, ...aliases]) {
        const i = cols.indexOf(n);
        if (i >= 0) return i;
      }
      return -1;
    };
    const at = {
      id: col('shooter_id', 'id'),
      name: col('name', 'shooter', 'competitor'),
      division: col('division', 'div'),
      class: col('class', 'classification'),
      categories: col('categories', 'category'),
      squad: col('squad'),
      position: col('squad_position', 'position'),
    };
    const errors: ImportRowError[] = [];
    const missing = (['name', 'division'] as const).filter((k) => at[k] < 0);
    if (missing.length) {
      return {
        imported: 0,
        valid: 0,
        errors: [
          {
            line: header.line,
            error: `missing column(s): ${missing.join(', ')} (expected name, division, class, categories, squad, squad_position)`,
          },
        ],
      };
    }

    const existing = this.repo.shooters(match.id);
    const byId = new Map(existing.map((s) => [s.id, s]));
    const byName = new Map(existing.map((s) => [s.name.toLowerCase(), s]));
    const seen = new Map<string, number>();
    const rows: ShooterRec[] = [];
    const updates: ShooterRec[] = [];
    for (const rec of records) {
      const cell = (i: number) => (i >= 0 ? (rec.cells[i] ?? '').trim() : '');
      const problems: string[] = [];
      if (rec.cells.length > cols.length)
        problems.push(`${rec.cells.length} cells but the header has ${cols.length}`);
      const name = cell(at.name);
      if (!name) problems.push('name is empty');
      else if (name.length > 120) problems.push('name is longer than 120 characters');
      const div = cell(at.division).toUpperCase();
      if (!(DIVISIONS as readonly string[]).includes(div)) {
        problems.push(`division "${cell(at.division).slice(0, 20)}" is not one of ${DIVISIONS.join(', ')}`);
      }
      const clsRaw = cell(at.class).toUpperCase() || 'U';
      if (!(CLASSES as readonly string[]).includes(clsRaw)) {
        problems.push(`class "${cell(at.class).slice(0, 20)}" is not one of ${CLASSES.join(', ')}`);
      }
      const categories = dedupe(
        cell(at.categories)
          .split(/[;|]/)
          .map((c) => c.trim())
          .filter(Boolean),
      );
      if (categories.some((c) => c.length > 40)) problems.push('a category is longer than 40 characters');
      const squad = cell(at.squad) || null;
      if (squad && squad.length > 40) problems.push('squad is longer than 40 characters');
      const posText = cell(at.position);
      let position: number | null = null;
      if (posText) {
        const n = Number(posText);
        if (!Number.isInteger(n) || n < 0 || n > 10_000)
          problems.push(`squad_position "${posText.slice(0, 12)}" is not a whole number`);
        else position = n;
      }
      const idText = cell(at.id);
      let target: ShooterRec | undefined;
      if (idText) {
        if (!isValidDeviceId(idText)) problems.push('shooter_id is not a valid id');
        else {
          target = byId.get(idText);
          if (!target) problems.push(`shooter_id ${idText} is not on this match's roster`);
        }
      }
      if (name) {
        const key = name.toLowerCase();
        const dup = seen.get(key);
        if (dup !== undefined) problems.push(`${name} is already on line ${dup}`);
        else seen.set(key, rec.line);
        const known = byName.get(key);
        if (!target && known) {
          problems.push(`${name} is already on the roster (${known.id}); give its shooter_id to update it`);
        }
      }
      if (problems.length) {
        errors.push({ line: rec.line, error: problems.join('; ') });
        continue;
      }
      const values = {
        name,
        division: div as Division,
        class: clsRaw as ShooterClass,
        categories,
        squad,
        squad_position: position,
      };
      if (target) updates.push({ ...target, ...values });
      else rows.push({ id: newId('sh'), match_id: match.id, created_at: this.now(), ...values });
    }
    if (records.length === 0) errors.push({ line: header.line + 1, error: 'no shooters below the header' });
    const valid = rows.length + updates.length;
    if (errors.length && !req.partial) return { imported: 0, valid, errors };
    this.repo.tx(() => {
      for (const r of rows) this.repo.insertShooter(r);
      for (const u of updates) this.repo.updateShooter(u);
    });
    return { imported: valid, valid, errors };
  }

  exportRoster(matchId: string): { filename: string; content: string; rows: number } {
    const m = this.requireMatch(matchId);
    const shooters = this.repo.shooters(m.id);
    const content = toCsv(
      ['shooter_id', 'name', 'division', 'class', 'categories', 'squad', 'squad_position'],
      shooters.map((s) => [
        s.id,
        s.name,
        s.division,
        s.class,
        s.categories.join(';'),
        s.squad,
        s.squad_position,
      ]),
    );
    return { filename: `roster-${slug(m.name)}.csv`, content, rows: shooters.length };
  }

  /** The match the simulator's range scenario shoots: its squad, the 8 classifier stages, 5 sensors. */
  createDemo(timerId = DEFAULT_TIMER_ID): MatchDetail {
    // Refused before anything changes: a second demo would move the timer and empty the exports.
    this.requireFreeName(DEMO_MATCH_NAME);
    const id = newId('m');
    const now = this.now();
    this.repo.tx(() => {
      this.repo.insertMatch({ id, name: DEMO_MATCH_NAME, date: toIso(now).slice(0, 10), created_at: now });
      for (const code of DEMO_STAGES as readonly ClassifierCode[]) {
        const targets = DEMO_PLATES.map((p, k) => ({
          plate_id: p,
          role: p === DEMO_STOP_PLATE ? ('stop' as const) : ('primary' as const),
          sensor_id: `bt50-${String(k + 1).padStart(2, '0')}`,
          label: p === DEMO_STOP_PLATE ? 'Stop' : p,
        }));
        this.insertStage(id, { preset: code, timer_id: timerId, targets });
      }
      DEMO_SQUAD.forEach((s, i) => {
        this.repo.insertShooter({
          id: newId('sh'),
          match_id: id,
          name: s.name,
          division: s.division,
          class: s.class,
          categories: [...s.categories],
          squad: DEMO_SQUAD_NAME,
          squad_position: i + 1,
          created_at: now,
        });
      });
    });
    return this.detail(id);
  }
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list.map((c) => c.trim()).filter(Boolean))];
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'match'
  );
}
