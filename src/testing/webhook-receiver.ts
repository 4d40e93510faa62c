/**
 * @module testing/webhook-receiver — a real HTTP endpoint on a local port, standing in for an app's webhook
 * handler: it answers Meta's verification handshake, checks each POST's signature against the app secret, and
 * answers with whatever the test scripted (a status, or a stall past the sender's timeout).
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The raw body, exactly as sent. */
  raw: string;
  body: WebhookBody;
  signature: string;
  /** True when the signature is the HMAC of `raw` with the receiver's app secret. */
  signatureValid: boolean;
  userAgent: string;
  contentType: string;
  at: number;
}

export interface WebhookBody {
  object: string;
  entry: {
    id: string;
    changes: {
      field: string;
      value: {
        messaging_product: string;
        metadata: { display_phone_number: string; phone_number_id: string };
        groups: Record<string, unknown>[];
      };
    }[];
  }[];
}

/** What the receiver does with the next POST: answer with a status, or never answer (a timeout). */
export type Scripted = number | 'hang';

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Every POST, answered 200 or not. */
  readonly attempts: ReceivedWebhook[] = [];
  readonly handshakes: URLSearchParams[] = [];
  readonly #server: Server;
  readonly #script: Scripted[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  appSecret: string;
  verifyToken: string;
  /** Set false to answer the handshake with something other than the challenge. */
  echoChallenge = true;

  private constructor(server: Server, appSecret: string, verifyToken: string) {
    this.#server = server;
    this.appSecret = appSecret;
    this.verifyToken = verifyToken;
  }

  static async start(appSecret = 'unset', verifyToken = 'verify-me'): Promise<WebhookReceiver> {
    const self: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      void self.receiver?.handle(request).then(
        (answer) => {
          if (answer === 'hang') return; // The socket stays open until the sender gives up.
          response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
        },
        () => response.writeHead(500).end(),
      );
    });
    const receiver = new WebhookReceiver(server, appSecret, verifyToken);
    self.receiver = receiver;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/webhook`;
  }

  /** The answers to the next POSTs, in order; after them, 200. */
  script(...answers: Scripted[]): void {
    this.#script.push(...answers);
  }

  /** Forgets the answers not used yet: the receiver is healthy again. */
  clearScript(): void {
    this.#script.length = 0;
  }

  /** Resolves once `count` webhooks were answered 200 in total. */
  async waitFor(count: number, timeoutMs = 5000): Promise<ReceivedWebhook[]> {
    if (this.received.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} webhooks, got ${this.received.length}`)),
          timeoutMs,
        );
        this.#waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.received.slice(0, count);
  }

  /** The `groups[]` items delivered so far, in order of delivery. */
  items(): Record<string, unknown>[] {
    return this.received.flatMap((w) =>
      w.body.entry.flatMap((e) => e.changes.flatMap((c) => c.value.groups)),
    );
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body: string } | 'hang'> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET') {
      this.handshakes.push(url.searchParams);
      const ok =
        url.searchParams.get('hub.mode') === 'subscribe' &&
        url.searchParams.get('hub.verify_token') === this.verifyToken;
      if (!ok) return { status: 403, body: 'wrong verify token' };
      return {
        status: 200,
        body: this.echoChallenge ? (url.searchParams.get('hub.challenge') ?? '') : 'hello',
      };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const signature = String(request.headers['x-hub-signature-256'] ?? '');
    const expected = `sha256=${createHmac('sha256', this.appSecret).update(raw).digest('hex')}`;
    const webhook: ReceivedWebhook = {
      raw,
      body: JSON.parse(raw) as WebhookBody,
      signature,
      signatureValid:
        signature.length === expected.length &&
        timingSafeEqual(Buffer.from(signature), Buffer.from(expected)),
      userAgent: String(request.headers['user-agent'] ?? ''),
      contentType: String(request.headers['content-type'] ?? ''),
      at: Date.now(),
    };
    this.attempts.push(webhook);
    const answer = this.#script.shift() ?? 200;
    if (answer === 'hang') return 'hang';
    if (answer === 200) {
      // As a real handler would: a POST whose signature does not check out is refused.
      if (!webhook.signatureValid) return { status: 401, body: 'bad signature' };
      this.received.push(webhook);
      this.#waiters = this.#waiters.filter((w) => {
        if (this.received.length < w.count) return true;
        w.resolve();
        return false;
      });
    }
    return { status: answer, body: answer === 200 ? 'EVENT_RECEIVED' : 'scripted failure' };
  }
}

/** The single `groups[]` item of a webhook that carries exactly one, with its field. */
export function onlyItem(webhook: ReceivedWebhook): { field: string; item: Record<string, unknown> } {
  const [entry] = webhook.body.entry;
  const [change] = entry?.changes ?? [];
  assert.ok(change, 'one change');
  assert.equal(change.value.groups.length, 1, 'one groups[] item');
  return { field: change.field, item: change.value.groups[0] as Record<string, unknown> };
}
