import type { Migration } from './migrations';

/**
 * Migrations owned by capabilities, each in its own version range (see migrations.ts). Import a
 * capability's list here.
 */
export const CAPABILITY_MIGRATIONS: Migration[] = [
  // ...rangeMigrations (100–199), ...gamesMigrations (200–299), ...devicesMigrations (300–399),
  // ...bridgesMigrations (400–499)
];
