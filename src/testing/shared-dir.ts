/**
 * @module testing/shared-dir — where the project's shared material lives (`../shared` beside the checkout).
 * Outside CI a missing folder skips what needs it, with a line saying so; under CI=true it is an error.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
export const META_SPEC_PATH = resolve(SHARED_DIR, 'meta-openapi/business-messaging-api_v23.0.yaml');

let warned = false;

/** True when the spec can be read; false (after one explanatory line) when it may be skipped. */
export function metaSpecAvailable(): boolean {
  if (existsSync(META_SPEC_PATH)) return true;
  if (process.env['CI'] === 'true') {
    throw new Error(`CI=true but Meta's OpenAPI spec is missing at ${META_SPEC_PATH}`);
  }
  if (!warned) {
    warned = true;
    process.stdout.write(`# skipping Meta OpenAPI validation: ${META_SPEC_PATH} not found (outside CI)\n`);
  }
  return false;
}
