import type { Migration } from './migrations';
import { GAMES_MIGRATIONS } from '../games/migrations';
import { rangeMigrations } from '../range/migrations';
import { devicesMigrations } from '../commands/migrations';
import { bridgesMigrations } from '../bridges/migrations';

/**
 * Migrations owned by capabilities, each in its own version range (see migrations.ts). Import a
 * capability's list here.
 */
export const CAPABILITY_MIGRATIONS: Migration[] = [
  // ...rangeMigrations (100–199), ...gamesMigrations (200–299), ...devicesMigrations (300–399),
  // ...bridgesMigrations (400–499)
  ...rangeMigrations,
  ...GAMES_MIGRATIONS,
  ...devicesMigrations,
  ...bridgesMigrations,
];
