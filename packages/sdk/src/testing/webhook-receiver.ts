/**
 * @module testing/webhook-receiver — a real webhook endpoint for a test suite: a node:http server on 127.0.0.1 that
 * answers Meta's verification handshake, checks the `X-Hub-Signature-256` of every POST against the app secret
 * (a bad one is answered 401 and not recorded), and keeps the Groups events it accepted, parsed with the SDK's
 * typed union. A test can also script its answers (a status, or a stall past the sender's timeout) to exercise
 * retries. For Node test suites; the SDK's main entry stays free of Node built-ins.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookEnvelope } from '@groupgate/sdk/contract';
import { WaitTimeoutError, type WaitOptions } from '@groupgate/sdk';
import {
  answerChallenge,
  parseGroupEvents,
  verifySignature,
  type GroupEvent,
  type UnknownGroupEvent,
} from '@groupgate/sdk/webhooks';

export interface WebhookReceiverOptions {
  /** The app secret deliveries are signed with (`app_secret` of the sandbox business). */
  appSecret: string;
  /** The token the handshake must carry as `hub.verify_token`. */
  verifyToken: string;
  /** @default '/webhook' */
  path?: string;
}

/** One POST as it arrived, accepted or not. */
export interface WebhookAttempt {
  /** The body exactly as sent. */
  raw: string;
  /** The `X-Hub-Signature-256` header, or '' when absent. */
  signature: string;
  /** True when `signature` is the HMAC-SHA256 of `raw` with the app secret. */
  signatureValid: boolean;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Unix milliseconds. */
  receivedAt: number;
}

/** A POST the receiver accepted: signed with the app secret, a WhatsApp Business Account webhook. */
export interface ReceivedWebhook extends WebhookAttempt {
  body: WebhookEnvelope;
  events: (GroupEvent | UnknownGroupEvent)[];
}

/** The receiver's answer to a POST: a status, or none at all until the sender gives up. */
export type ScriptedAnswer = number | 'hang';

export interface WebhookReceiver {
  /** The callback URL to give Groupgate (`PUT /_groupgate/apps/{app_id}/webhook` or `--webhook-url`). */
  readonly url: string;
  /** Every Groups event accepted, in order of arrival. */
  readonly events: readonly (GroupEvent | UnknownGroupEvent)[];
  /** Every POST accepted (answered 200), in order of arrival. */
  readonly received: readonly ReceivedWebhook[];
  /** Every POST, whatever it was answered: retries and refused signatures included. */
  readonly attempts: readonly WebhookAttempt[];
  /** The query of every verification GET. */
  readonly handshakes: readonly URLSearchParams[];
  /** May change while the receiver runs, e.g. once the server has printed it. */
  appSecret: string;
  verifyToken: string;
  /** Set false to answer the handshake with something other than the challenge, as a broken endpoint would. */
  echoChallenge: boolean;
  /** The answers to the next POSTs, in order; after them, 200 again. */
  script(...answers: ScriptedAnswer[]): void;
  /** Forgets the scripted answers not used yet. */
  clearScript(): void;
  /**
   * The first accepted event `predicate` matches, received already or later; WaitTimeoutError after `timeout`
   * (default 5 s).
   */
  waitFor(
    predicate: (event: GroupEvent | UnknownGroupEvent) => boolean,
    options?: WaitOptions,
  ): Promise<GroupEvent | UnknownGroupEvent>;
  /** The first `count` accepted POSTs, once that many arrived. */
  waitForWebhooks(count: number, options?: WaitOptions): Promise<ReceivedWebhook[]>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 5000;

interface Waiter {
  /** True once satisfied; it is then removed. */
  check: () => boolean;
  cancel: (error: Error) => void;
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

class Receiver implements WebhookReceiver {
  readonly events: (GroupEvent | UnknownGroupEvent)[] = [];
  readonly received: ReceivedWebhook[] = [];
  readonly attempts: WebhookAttempt[] = [];
  readonly handshakes: URLSearchParams[] = [];
  appSecret: string;
  verifyToken: string;
  echoChallenge = true;
  readonly #server: Server;
  readonly #path: string;
  readonly #script: ScriptedAnswer[] = [];
  #waiters: Waiter[] = [];

  constructor(server: Server, options: WebhookReceiverOptions) {
    this.#server = server;
    this.appSecret = options.appSecret;
    this.verifyToken = options.verifyToken;
    this.#path = options.path ?? '/webhook';
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${this.#path}`;
  }

  script(...answers: ScriptedAnswer[]): void {
    this.#script.push(...answers);
  }

  clearScript(): void {
    this.#script.length = 0;
  }

  waitFor(
    predicate: (event: GroupEvent | UnknownGroupEvent) => boolean,
    options: WaitOptions = {},
  ): Promise<GroupEvent | UnknownGroupEvent> {
    return this.#wait(() => this.events.find(predicate), 'a webhook event that matches', options);
  }

  waitForWebhooks(count: number, options: WaitOptions = {}): Promise<ReceivedWebhook[]> {
    return this.#wait(
      () => (this.received.length >= count ? this.received.slice(0, count) : undefined),
      `${count} webhooks (got ${this.received.length} so far)`,
      options,
    );
  }

  async close(): Promise<void> {
    for (const waiter of this.#waiters) waiter.cancel(new Error('the webhook receiver was closed'));
    this.#waiters = [];
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #wait<T>(find: () => T | undefined, what: string, options: WaitOptions): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const now = find();
          if (now === undefined) return false;
          clearTimeout(timer);
          resolve(now);
          return true;
        },
        cancel: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  async handle(request: IncomingMessage): Promise<{ status: number; body: string } | 'hang'> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET') {
      this.handshakes.push(url.searchParams);
      const answer = answerChallenge(url.searchParams, this.verifyToken);
      return answer.status === 200 && !this.echoChallenge ? { status: 200, body: 'hello' } : answer;
    }
    if (request.method !== 'POST') return { status: 405, body: 'GET or POST' };
    const raw = await readBody(request);
    const headers = headersOf(request);
    const signature = headers['x-hub-signature-256'] ?? '';
    const attempt: WebhookAttempt = {
      raw,
      signature,
      signatureValid: await verifySignature(raw, signature, this.appSecret),
      headers,
      receivedAt: Date.now(),
    };
    this.attempts.push(attempt);
    const answer = this.#script.shift() ?? 200;
    if (answer === 'hang') return 'hang';
    if (answer !== 200) return { status: answer, body: 'scripted failure' };
    // As a real handler does: a POST whose signature does not check out is refused, and not believed.
    if (!attempt.signatureValid) return { status: 401, body: 'bad signature' };
    let body: WebhookEnvelope;
    let events: (GroupEvent | UnknownGroupEvent)[];
    try {
      body = JSON.parse(raw) as WebhookEnvelope;
      events = parseGroupEvents(body);
    } catch (error) {
      return { status: 400, body: error instanceof Error ? error.message : 'not a webhook' };
    }
    this.received.push({ ...attempt, body, events });
    this.events.push(...events);
    this.#waiters = this.#waiters.filter((waiter) => !waiter.check());
    return { status: 200, body: 'EVENT_RECEIVED' };
  }
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const bound: { receiver?: Receiver } = {};
  const server = createServer((request, response) => {
    if (bound.receiver === undefined) return void response.writeHead(503).end();
    bound.receiver.handle(request).then(
      (answer) => {
        if (answer === 'hang') return; // The socket stays open until the sender gives up.
        response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      },
      () => response.writeHead(500).end(),
    );
  });
  const receiver = new Receiver(server, options);
  bound.receiver = receiver;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return receiver;
}
