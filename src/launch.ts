/**
 * @module launch — the one way a Groupgate server comes up, shared by `groupgate serve` and `startGroupgate`:
 * the default callback URL verified, the store opened, the app built and listening. `close` undoes all of it.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { buildApp } from './server/app.js';
import { importStateDocument, parseStateText, stateFormatOf } from './server/state-document.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';
import { verifyCallbackUrl } from './webhooks/handshake.js';

export interface Launched {
  app: FastifyInstance;
  store: Store;
  /** What `listen` answered, e.g. `http://127.0.0.1:4004`. */
  address: string;
  /** Stops listening, the webhook worker and its timers, then closes the store (and its worker thread). */
  close: () => Promise<void>;
}

/** What `launch` takes beside the config: a state document given as a value (startGroupgate's `seed`). */
export interface LaunchOptions {
  /** A state document, or the path of a JSON or YAML file holding one; wins over `config.seedState`. */
  seed?: unknown;
}

/** Reads the seed (a path, or a document already in hand) and replaces the store's state with it. */
async function applySeed(store: Store, seed: unknown): Promise<void> {
  let value = seed;
  if (typeof seed === 'string') {
    let text: string;
    try {
      text = await readFile(seed, 'utf8');
    } catch (error) {
      throw new Error(`seed ${seed}: ${(error as Error).message}`);
    }
    value = await parseStateText(text, stateFormatOf(seed)).catch((error: Error) => {
      throw new Error(`seed ${seed}: ${error.message}`);
    });
  } else {
    // The caller's object stays as it was: checking fills defaults in place.
    value = structuredClone(seed);
  }
  try {
    await importStateDocument(store, value, { nowMs: Date.now() });
  } catch (error) {
    const where = typeof seed === 'string' ? `seed ${seed}` : 'seed';
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

export async function launch(config: Config, options: LaunchOptions = {}): Promise<Launched> {
  if (config.webhookUrl !== undefined) {
    // As Meta does when a callback URL is set: an endpoint that does not answer the challenge is refused.
    const verified = await verifyCallbackUrl(config.webhookUrl, config.webhookVerifyToken, {
      timeoutMs: config.webhookTimeoutMs,
      allowHosts: config.webhookAllowHosts,
    });
    if (!verified.ok) throw new Error(`--webhook-url ${config.webhookUrl}: ${verified.reason}`);
  }
  const store = await openStore(config);
  let app: FastifyInstance | undefined;
  try {
    const seed = options.seed ?? config.seedState;
    if (seed !== undefined) await applySeed(store, seed);
    app = await buildApp(config, { store });
    const address = await app.listen({ port: config.port, host: config.host });
    const running = app;
    let closing: Promise<void> | undefined;
    const stopAll = async () => {
      try {
        await running.close();
      } finally {
        await store.close();
      }
    };
    const close = () => (closing ??= stopAll());
    return { app, store, address, close };
  } catch (error) {
    await app?.close();
    await store.close();
    throw error;
  }
}
