import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { ContractError } from '../../src-shared/contract';
import { DEMO_MATCH_NAME } from '../../src-shared/range/demo-match';
import { migrate } from '../store/db';
import { rangeMigrations } from './migrations';
import { RangeRepo } from './repo';
import { SetupService } from './setup';

function setup() {
  const db = new Database(':memory:');
  migrate(db, rangeMigrations);
  const repo = new RangeRepo(db);
  return { repo, setup: new SetupService(repo) };
}

function refusal(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ContractError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('match names', () => {
  it('a second demo match is refused with a 409 and changes nothing', () => {
    const { repo, setup: s } = setup();
    const first = s.createDemo();
    const err = refusal(() => s.createDemo());
    expect(err.status).toBe(409);
    expect(err.message).toContain(`a match named "${DEMO_MATCH_NAME}" already exists`);
    expect(err.message).toContain(first.match.match_id);
    expect(repo.matches().map((m) => m.id)).toEqual([first.match.match_id]);
  });

  it('a new or renamed match may not take a name in use, whatever its case or spacing', () => {
    const { repo, setup: s } = setup();
    const club = s.createMatch({ name: 'Club Match' });
    expect(refusal(() => s.createMatch({ name: '  club match ' })).status).toBe(409);
    const other = s.createMatch({ name: 'Other' });
    expect(refusal(() => s.updateMatch({ match_id: other.match.match_id, name: 'CLUB MATCH' })).status).toBe(
      409,
    );
    // Keeping its own name (or changing only its case) is not a clash.
    expect(s.updateMatch({ match_id: club.match.match_id, name: 'Club match' }).match.name).toBe(
      'Club match',
    );
    expect(repo.matches()).toHaveLength(2);
  });
});
