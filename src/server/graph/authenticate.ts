/**
 * @module server/graph/authenticate — resolves the caller's business from `Authorization: Bearer …` or an
 * `access_token` parameter (Graph accepts both; Meta's own docs use the query form), with Graph's 104 and 190,
 * and checks `appsecret_proof`: whenever one is sent, and always when the app requires it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GRAPH_ERRORS, formatMessage, type ErrorTemplate } from '../../domain/error-catalog.js';
import type { Store } from '../../storage/store.js';
import type { BusinessRecord } from '../../domain/records.js';
import { GraphError, type GraphErrorOptions } from '../graph-error.js';
import type { GraphParams } from './params.js';

export interface Caller {
  business: BusinessRecord;
  /** The token that authenticated the call: the Authorization header's when sent, else the parameter's. */
  accessToken: string;
  /** Where that token came from. */
  tokenSentAs: 'header' | 'parameter';
  /** The `appsecret_proof` sent with it, once checked; paging links carry it on. */
  appsecretProof?: string;
}

/** Graph's auth errors also say what went wrong in a `WWW-Authenticate` header. */
function authError(template: ErrorTemplate, options: GraphErrorOptions = {}): GraphError {
  const scheme = template.code === 104 ? 'invalid_request' : 'invalid_token';
  const headerMessage = formatMessage(template.message, options.params ?? {}).replace(/["\\]/g, '');
  return new GraphError(template, {
    ...options,
    headers: { 'www-authenticate': `OAuth "Facebook Platform" "${scheme}" "${headerMessage}"` },
  });
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Graph's own date style in token errors: `Tuesday, 24-Nov-26 10:00:00 UTC`. */
export function graphDate(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

/** The token of an `Authorization: Bearer|OAuth …` header: undefined when none was sent, null when malformed. */
export function bearerOf(request: FastifyRequest): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const token = bearerOf(request);
  if (token === null) throw authError(GRAPH_ERRORS.INVALID_ACCESS_TOKEN);
  return token;
}

export async function authenticate(
  request: FastifyRequest,
  params: GraphParams,
  store: Store,
  now: number,
): Promise<Caller> {
  const fromHeader = bearerToken(request);
  const fromParams = params['access_token'];
  if (fromParams !== undefined && typeof fromParams !== 'string') {
    throw authError(GRAPH_ERRORS.INVALID_ACCESS_TOKEN);
  }
  const token = fromHeader ?? fromParams;
  if (token === undefined || token === '') throw authError(GRAPH_ERRORS.ACCESS_TOKEN_REQUIRED);
  const found = await store.findAccessToken(token);
  if (found === undefined) throw authError(GRAPH_ERRORS.INVALID_ACCESS_TOKEN);
  if (found.revokedAt !== null) throw authError(GRAPH_ERRORS.REVOKED_ACCESS_TOKEN);
  if (found.expiresAt !== null && found.expiresAt <= now) {
    throw authError(GRAPH_ERRORS.EXPIRED_ACCESS_TOKEN, {
      params: { expiredAt: graphDate(found.expiresAt), now: graphDate(now) },
    });
  }
  const proof = params['appsecret_proof'];
  if (proof !== undefined) {
    if (typeof proof !== 'string' || !proves(proof, token, found.business.appSecret)) {
      throw new GraphError(GRAPH_ERRORS.INVALID_APPSECRET_PROOF);
    }
  } else if (found.business.requireAppsecretProof) {
    throw new GraphError(GRAPH_ERRORS.APPSECRET_PROOF_REQUIRED);
  }
  return {
    business: found.business,
    accessToken: token,
    tokenSentAs: fromHeader === undefined ? 'parameter' : 'header',
    ...(typeof proof === 'string' && { appsecretProof: proof.toLowerCase() }),
  };
}

/**
 * Graph's `appsecret_proof`: the HMAC-SHA256 of the access token keyed with the secret of the app the token belongs
 * to (here the business's app), as lower- or upper-case hex. Computed only when a proof is sent.
 */
function proves(proof: string, token: string, appSecret: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(proof)) return false;
  const expected = createHmac('sha256', appSecret).update(token).digest();
  return timingSafeEqual(Buffer.from(proof, 'hex'), expected);
}
