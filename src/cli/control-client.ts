/**
 * @module cli/control-client — Groupgate's control API (`/_groupgate/…`) for the commands that simulate users and
 * manage webhooks. Its errors use the Graph envelope, so they surface as the SDK's GraphApiError.
 */
import type { GraphErrorObject } from '@groupgate/sdk';

export class ControlClient {
  readonly #baseUrl: string;
  readonly #adminToken: string;

  constructor(baseUrl: string, adminToken: string) {
    this.#baseUrl = baseUrl;
    this.#adminToken = adminToken;
  }

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.#baseUrl}/_groupgate${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#adminToken}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(
        `${method} ${path}: HTTP ${response.status}, not JSON (is ${this.#baseUrl} a Groupgate server?)`,
      );
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: GraphErrorObject }).error;
    if (error === undefined) throw new Error(`${method} ${path}: HTTP ${response.status}`);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const { classify } = await import('@groupgate/sdk');
    throw classify({ status: response.status, error, headers });
  }
}
