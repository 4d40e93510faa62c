/**
 * @module server/lazy-require — loads a CommonJS dependency on first use instead of at start-up. Used for the
 * schema compilers (ajv, fast-json-stringify): importing them up front was a fifth of the time to first answer
 * (measured), and they are first needed when a validator or serialiser is compiled, which is synchronous.
 */
import { createRequire } from 'node:module';

/** `from`: the module `specifier` is resolved from; by default this package's own. */
export function lazyRequire<T>(specifier: string, from: string | URL = import.meta.url): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(from)(specifier) as T);
}
