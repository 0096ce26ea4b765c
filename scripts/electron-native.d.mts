/** Path of a better-sqlite3 binding built for the installed Electron, building it once; null if impossible. */
export function electronSqliteBinding(root: string): string | null;
