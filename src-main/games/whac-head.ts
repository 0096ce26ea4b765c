/**
 * HEAD cabinets send no finished game, only a stream on `whac/<id>/game_events`: the console
 * assembles it into a session as the original dashboard did (session_start opens one, pops and
 * level completions are added while one is open, session_end closes it) and scores it with the
 * original's formula. The player is the device id and the game has a board of its own.
 * A session open when the console stops is lost, as it was in the original.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import { WHAC_FAMILY, WHAC_HEAD_GAME } from '../../src-shared/ingest/whac';
import type { ParsedEvent } from '../../src-shared/ingest/result';

interface Open {
  started: number;
  score: number;
  hits: number;
  late: number;
  wrong: number;
  reactions: number[];
  maxLevel: number;
}

export class HeadSessions {
  private open = new Map<string, Open>();
  /** Pops or ends that arrived with no session open (the original dropped them too). */
  orphans = 0;

  /** The finished sessions in these events, as `game.session` events to record. */
  onEvents(events: readonly MarshalEvent[]): ParsedEvent[] {
    const out: ParsedEvent[] = [];
    for (const e of events) {
      if (e.kind !== 'game.event' || e.family !== WHAC_FAMILY || e.data.protocol !== 'head') continue;
      const type = e.data.event_type;
      const ts = typeof e.data.ts === 'number' ? e.data.ts : Date.parse(e.ts);
      const cur = this.open.get(e.device_id);
      if (type === 'session_start') {
        this.open.set(e.device_id, {
          started: ts,
          score: 0,
          hits: 0,
          late: 0,
          wrong: 0,
          reactions: [],
          maxLevel: 0,
        });
      } else if (type === 'pop_result') {
        if (!cur) {
          this.orphans++;
          continue;
        }
        const outcome = e.data.outcome;
        const score = typeof e.data.score === 'number' ? e.data.score : 0;
        cur.score += score;
        if (typeof e.data.lvl === 'number') cur.maxLevel = Math.max(cur.maxLevel, e.data.lvl);
        if (outcome === 'hit') {
          cur.hits++;
          if (typeof e.data.reaction_ms === 'number') cur.reactions.push(e.data.reaction_ms);
        } else if (outcome === 'miss') cur.wrong++;
        else cur.late++;
      } else if (type === 'session_end') {
        if (!cur) {
          this.orphans++;
          continue;
        }
        this.open.delete(e.device_id);
        const sessionId = `head-${cur.started}`;
        out.push({
          kind: 'game.session',
          family: WHAC_FAMILY,
          device_id: e.device_id,
          ts,
          data: {
            game: WHAC_HEAD_GAME,
            protocol: 'head',
            session_id: sessionId,
            player: e.device_id,
            difficulty: null,
            started_at: toIso(cur.started),
            ended_at: toIso(ts),
            duration_ms: Math.max(0, ts - cur.started),
            score: cur.score,
            hits: cur.hits,
            // late = the mole went down unhit; wrong = a wrong button.
            misses: cur.late,
            wrong_hits: cur.wrong,
            reaction_ms: cur.reactions,
            max_level: cur.maxLevel,
            won: e.data.win === true,
            complete: true,
            dedup_key: `${e.device_id}/${sessionId}`,
          },
        });
      }
    }
    return out;
  }
}
