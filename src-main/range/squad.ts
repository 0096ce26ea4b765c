/**
 * Who is up on a station, and who is next: pure rules, unit-tested.
 *
 * - A shooter's open string numbers on a stage are 1..stringsPerStage minus the numbers held by
 *   a run that is not void (running, in review or approved). A voided string frees its number: the
 *   reshoot takes it.
 * - The shooter up is the current shooter (the one the RO put up, or the shooter of the last run)
 *   while they have an open string, with their lowest open number; otherwise the next shooter in
 *   squad order (wrapping round) who has one.
 * - Next is the up shooter's following open string, or else the following shooter in squad order.
 */
export interface SquadShooter {
  id: string;
}

export interface Slot<S extends SquadShooter> {
  shooter: S;
  string_number: number;
}

export function openStrings(stringsPerStage: number, taken: ReadonlySet<number> | undefined): number[] {
  const out: number[] = [];
  for (let k = 1; k <= stringsPerStage; k++) if (!taken?.has(k)) out.push(k);
  return out;
}

export function upAndNext<S extends SquadShooter>(
  squad: readonly S[],
  stringsPerStage: number,
  taken: ReadonlyMap<string, ReadonlySet<number>>,
  currentId: string | null,
): { up: Slot<S> | null; next: Slot<S> | null } {
  if (squad.length === 0) return { up: null, next: null };
  const open = (s: S) => openStrings(stringsPerStage, taken.get(s.id));
  const start = currentId ? squad.findIndex((s) => s.id === currentId) : -1;
  // Candidates in order: the current shooter first, then the rest of the squad after them.
  const order: S[] = [];
  const from = start >= 0 ? start : 0;
  for (let i = 0; i < squad.length; i++) order.push(squad[(from + i) % squad.length]!);

  let up: Slot<S> | null = null;
  let upIndex = -1;
  for (let i = 0; i < order.length; i++) {
    const o = open(order[i]!);
    if (o.length) {
      up = { shooter: order[i]!, string_number: o[0]! };
      upIndex = i;
      break;
    }
  }
  if (!up) return { up: null, next: null };
  const upOpen = open(up.shooter);
  if (upOpen.length > 1) return { up, next: { shooter: up.shooter, string_number: upOpen[1]! } };
  for (let j = 1; j < order.length; j++) {
    const s = order[(upIndex + j) % order.length]!;
    if (s.id === up.shooter.id) continue;
    const o = open(s);
    if (o.length) return { up, next: { shooter: s, string_number: o[0]! } };
  }
  return { up, next: null };
}
