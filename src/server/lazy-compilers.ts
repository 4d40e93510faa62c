/**
 * @module server/lazy-compilers — Fastify's default schema compiler factories, loaded when a route first needs one
 * rather than when Fastify is constructed. Fastify requires both eagerly unless given factories, yet every Groupgate
 * route brings its own compilers (control/routes.ts, graph/params.ts): at start-up they loaded ajv, ajv-formats and
 * fast-json-stringify, about 100 of the server's 330 modules, for nothing.
 */
import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';
import { lazyRequire } from './lazy-require.js';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

// Fastify's own dependencies, resolved from Fastify's package as Fastify itself would.
const FASTIFY = createRequire(import.meta.url).resolve('fastify');

type Factory = (...args: unknown[]) => unknown;

/** A factory that loads the real one from Fastify's dependency `specifier` on its first call. */
function loadedOnFirstCall(specifier: string): Factory {
  const load = lazyRequire<() => Factory>(specifier, FASTIFY);
  let factory: Factory | undefined;
  return (...args) => (factory ??= load()())(...args);
}

export function lazyCompilersFactory(): CompilersFactory {
  return {
    // Fastify's factory types are overloaded per schema dialect; these pass every call through unchanged.
    buildValidator: loadedOnFirstCall('@fastify/ajv-compiler') as ValidatorFactory,
    buildSerializer: loadedOnFirstCall('@fastify/fast-json-stringify-compiler') as SerializerFactory,
  };
}
