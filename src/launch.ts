/**
 * @module launch — the one way a Groupgate server comes up, shared by `groupgate serve` and `startGroupgate`:
 * the default callback URL verified, the store opened, the app built and listening. `close` undoes all of it.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { buildApp } from './server/app.js';
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

export async function launch(config: Config): Promise<Launched> {
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
