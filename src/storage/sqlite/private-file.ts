/**
 * @module storage/sqlite/private-file — the database file holds access tokens and app secrets in clear, so it is
 * readable by its owner only. SQLite creates the -wal and -shm files with the database file's own permissions, so
 * making that file 0600 before SQLite opens it covers all three.
 */
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';

const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** Creates `path` 0600 if it does not exist, and takes group and world access away from it and its side files. */
export function makePrivate(path: string): void {
  // Created here, not by SQLite (which would use 0644 less the umask); an existing file is left as it is.
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const suffix of SIDE_FILES) {
    const file = path + suffix;
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    // A file left by an older version, or copied in: tightened, never loosened.
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
}
