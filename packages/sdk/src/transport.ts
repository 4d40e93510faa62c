/**
 * @module transport — one Graph call: URL, token, body encoding, timeout, error mapping and retries. Everything
 * else in the SDK goes through `GraphTransport.request`.
 */
import type { GraphErrorObject } from './contract/index.js';
import { classify, GraphNetworkError } from './errors.js';
import { DEFAULT_RETRY, retryDelay, serverRetryAfterMs, shouldRetry, type RetryOptions } from './retry.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  accessToken: string;
  /** @default 'https://graph.facebook.com' */
  baseUrl?: string;
  /** @default 'v23.0' */
  apiVersion?: string;
  /** Per attempt. @default 30000 */
  timeoutMs?: number;
  /** Retries of transient failures and rate limits; `false` turns them off. */
  retry?: Partial<RetryOptions> | false;
  /**
   * The app secret, for apps that require `appsecret_proof` (Graph's "Require app secret"): every call then carries
   * the HMAC-SHA256 of the access token keyed with it. Keep it on servers only.
   */
  appSecret?: string;
  /** Injectable for tests and custom agents. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Waits between retries; injectable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: Method;
  /** After the version, e.g. `/{group_id}/join_requests`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: FormData;
}

export interface GraphResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

function isGraphError(body: unknown): body is { error: GraphErrorObject } {
  const error = (body as { error?: unknown } | null)?.error as Partial<GraphErrorObject> | undefined;
  return typeof error === 'object' && error !== null && typeof error.code === 'number';
}

/** Graph's `appsecret_proof`: HMAC-SHA256 of the access token keyed with the app secret, lower-case hex. */
export async function appsecretProof(accessToken: string, appSecret: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    encoder.encode(appSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(accessToken)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class GraphTransport {
  readonly baseUrl: string;
  readonly apiVersion: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryOptions;
  readonly #fetch: FetchLike;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #pathPrefix: string;
  /** The appsecret_proof, computed once (Web Crypto is asynchronous) when an app secret is given. */
  readonly #proof: Promise<string> | undefined;

  /** `pathPrefix` replaces `/{apiVersion}` before each path: Groupgate's control API lives under `/_groupgate`. */
  constructor(options: ClientOptions, pathPrefix?: string) {
    if (typeof options.accessToken !== 'string' || options.accessToken === '') {
      throw new TypeError('accessToken is required');
    }
    this.baseUrl = (options.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
    this.apiVersion = options.apiVersion ?? 'v23.0';
    this.#token = options.accessToken;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry =
      options.retry === false ? { ...DEFAULT_RETRY, maxRetries: 0 } : { ...DEFAULT_RETRY, ...options.retry };
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#pathPrefix = pathPrefix ?? `/${this.apiVersion}`;
    this.#proof =
      options.appSecret === undefined ? undefined : appsecretProof(options.accessToken, options.appSecret);
  }

  url(spec: Pick<RequestSpec, 'path' | 'query'>): string {
    const url = `${this.baseUrl}${this.#pathPrefix}${spec.path}`;
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    const search = query.toString();
    return search === '' ? url : `${url}?${search}`;
  }

  async request<T>(spec: RequestSpec): Promise<GraphResponse<T>> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.#attempt<T>(spec);
      } catch (error) {
        if (retry >= this.#retry.maxRetries || !shouldRetry(error, spec.method)) throw error;
        const delay = retryDelay(retry + 1, error, this.#retry);
        if (delay === undefined) throw error;
        await this.#sleep(delay);
      }
    }
  }

  async #attempt<T>(spec: RequestSpec): Promise<GraphResponse<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
    };
    let body: string | FormData | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.form !== undefined) {
      body = spec.form; // fetch sets the multipart boundary.
    }
    const proof = this.#proof === undefined ? undefined : await this.#proof;
    const sent = proof === undefined ? spec : { ...spec, query: { ...spec.query, appsecret_proof: proof } };
    let response: Response;
    try {
      response = await this.#fetch(this.url(sent), {
        method: spec.method,
        headers,
        ...(body !== undefined && { body }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new GraphNetworkError(
        timedOut
          ? `${spec.method} ${spec.path} timed out after ${this.#timeoutMs} ms`
          : `${spec.method} ${spec.path} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, timedOut },
      );
    }
    const responseHeaders = headersOf(response);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed !== undefined && !isGraphError(parsed)) {
      return { status: response.status, body: parsed as T, headers: responseHeaders };
    }
    const retryAfterMs = serverRetryAfterMs(responseHeaders);
    const error: GraphErrorObject = isGraphError(parsed)
      ? parsed.error
      : {
          message: `HTTP ${response.status} with a body that is not a Graph error: ${text.slice(0, 200)}`,
          type: 'HttpError',
          code: response.status >= 500 ? 1 : 0,
          is_transient: response.status >= 500,
          fbtrace_id: responseHeaders['x-fb-trace-id'] ?? '',
        };
    throw classify({
      status: response.status,
      error,
      headers: responseHeaders,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
}
