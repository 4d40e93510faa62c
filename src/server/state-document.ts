/**
 * @module server/state-document — reading a state document: JSON or YAML text to a value, the value checked against
 * the schema (domain/state-schema) and then the rules a schema cannot say (domain/state), to the snapshot a store
 * imports. Shared by `PUT /_groupgate/state`, `groupgate serve --seed` and `startGroupgate({ seed })`, so that a
 * document is read the same way everywhere. ajv and yaml load on first use: most servers never read one.
 */
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import {
  documentPath,
  snapshotFromDocument,
  type StateDocument,
  type StateProblem,
  type StateSnapshot,
} from '../domain/state.js';
import { STATE_SCHEMA, STATE_VERSION } from '../domain/state-schema.js';
import type { Store } from '../storage/store.js';
import { lazyRequire } from './lazy-require.js';

const loadAjv = lazyRequire<{ Ajv: typeof AjvClass }>('ajv');
let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // useDefaults fills in what a hand-written document leaves out; union types are how nullable fields are said.
  validate ??= new (loadAjv().Ajv)({ useDefaults: true, allowUnionTypes: true, strict: true }).compile(
    STATE_SCHEMA,
  );
  return validate;
}

/** A document that cannot be read or imported, with where: `businesses[0].groups[2].participants[1].wa_id`. */
export class StateDocumentError extends Error {
  override readonly name = 'StateDocumentError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path === '' ? message : `${path}: ${message}`);
  }
}

export type StateFormat = 'json' | 'yaml';

/** The format a content type or file name says, JSON by default. */
export function stateFormatOf(contentTypeOrName: string): StateFormat {
  return /(^|[/+.-])ya?ml\b/i.test(contentTypeOrName) ? 'yaml' : 'json';
}

/** Parses JSON or YAML text (YAML is parsed as data only: no custom tags, no code). */
export async function parseStateText(text: string, format: StateFormat): Promise<unknown> {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new StateDocumentError(`not valid JSON: ${(error as Error).message}`, '');
    }
  }
  const { parse } = await import('yaml');
  try {
    // 'core' is YAML 1.2's JSON-compatible schema: `no` stays a string, dates stay strings.
    return parse(text, { schema: 'core', prettyErrors: false }) as unknown;
  } catch (error) {
    throw new StateDocumentError(`not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`, '');
  }
}

/** The most precise of ajv's errors: the one deepest in the document (an anyOf reports each branch). */
function deepest(errors: readonly ErrorObject[]): ErrorObject | undefined {
  return errors.reduce<ErrorObject | undefined>(
    (best, e) => (best === undefined || e.instancePath.length > best.instancePath.length ? e : best),
    undefined,
  );
}

function describe(error: ErrorObject): { path: string; message: string } {
  const path = documentPath(error.instancePath);
  const join = (name: string) => (path === '' ? name : `${path}.${name}`);
  switch (error.keyword) {
    case 'required':
      return { path: join(String(error.params['missingProperty'])), message: 'is required' };
    case 'additionalProperties':
      return {
        path: join(String(error.params['additionalProperty'])),
        message: 'is not a field of the document',
      };
    case 'enum':
      return {
        path,
        message: `must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

/**
 * The snapshot the document stands for, or a StateDocumentError naming the first problem. `value` is changed in
 * place (the schema's defaults filled in): pass a copy if it must stay as it was.
 */
export function checkStateDocument(value: unknown, nowMs: number): StateSnapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StateDocumentError('a state document is an object', '');
  }
  const version = (value as Record<string, unknown>)['groupgate_state'];
  if (version !== STATE_VERSION) {
    throw new StateDocumentError(
      `must be ${STATE_VERSION}: this server reads version ${STATE_VERSION} documents (got ${JSON.stringify(version) ?? 'nothing'})`,
      'groupgate_state',
    );
  }
  const check = validator();
  if (!check(value)) {
    const error = deepest(check.errors ?? []);
    const { path, message } = error === undefined ? { path: '', message: 'is invalid' } : describe(error);
    throw new StateDocumentError(message, path);
  }
  const result = snapshotFromDocument(value as StateDocument, Math.floor(nowMs / 1000), nowMs);
  if ('problems' in result) {
    const [first] = result.problems as [StateProblem];
    throw new StateDocumentError(first.message, first.path);
  }
  return result.snapshot;
}

/**
 * Imports a document (a value, or JSON/YAML text with its format) into the store: all of it, or with `wabaId`
 * that one business, which must be the document's only one.
 */
export async function importStateDocument(
  store: Store,
  value: unknown,
  options: { wabaId?: string; nowMs: number },
): Promise<StateSnapshot> {
  const snapshot = checkStateDocument(value, options.nowMs);
  const { wabaId } = options;
  if (wabaId !== undefined) {
    const only = snapshot.businesses.length === 1 ? snapshot.businesses[0] : undefined;
    if (only?.wabaId !== wabaId) {
      throw new StateDocumentError(
        `with waba_id=${wabaId}, the document holds exactly that one business (it holds ${snapshot.businesses.map((b) => b.wabaId).join(', ') || 'none'})`,
        'businesses',
      );
    }
    // The counters are the whole instance's: a one-business import leaves them as they are.
    snapshot.nextKeys = {};
  }
  await store.importState(snapshot, wabaId === undefined ? {} : { wabaId });
  return snapshot;
}
