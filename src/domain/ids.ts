/**
 * @module domain/ids — identifiers that look like the ones Meta mints (reference §1.12, §7), so that clients
 * which log, store or pattern-match them see what they will see in production. Clients must treat them as opaque.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { fbBase64Encode } from './fb-base64.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(10));
  return out;
}

function randomAlphanumeric(count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  // 248 is the largest multiple of 62 below 256; rejecting above it keeps every character equally likely.
  for (let i = 0; i < count; i++) {
    let byte = bytes[i] ?? 0;
    while (byte >= 248) byte = randomBytes(1)[0] ?? 0;
    out += ALPHANUMERIC[byte % 62];
  }
  return out;
}

/** A WhatsApp group JID number: the `1203634…` form used by `@g.us` JIDs. */
export function newGroupNumber(): string {
  return '120363' + randomDigits(12);
}

/** `base64("capi_group:<business phone digits>:<group number>")`, Facebook-escaped. */
export function groupIdFor(businessPhoneDigits: string, groupNumber: string): string {
  return fbBase64Encode(`capi_group:${businessPhoneDigits}:${groupNumber}`);
}

/** `base64("<wa_id>:<group number>")`: stable per (user, group), so a user who asks again gets the same id. */
export function joinRequestIdFor(waId: string, groupNumber: string): string {
  return fbBase64Encode(`${waId}:${groupNumber}`);
}

/** The code after `https://chat.whatsapp.com/`: 22 characters, like WhatsApp's own. */
export function newInviteCode(): string {
  return randomAlphanumeric(22);
}

/** 32 upper-case hex characters, as in the `request_id` of Meta's group webhooks. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Graph node ids (WABA, phone number, app) are 15-16 digit numbers that never start with 0. */
export function newNodeId(): string {
  return String(1 + randomInt(9)) + randomDigits(14);
}

/** A US test number in the 555-01xx range reserved for fiction. */
export function newBusinessPhoneDigits(): string {
  return '1555' + '01' + randomDigits(5);
}

export function displayPhoneNumber(digits: string): string {
  return `+${digits.slice(0, 1)} ${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
}

/** Meta's user and system-user tokens start with `EAA`. */
export function newAccessToken(): string {
  return 'EAAG' + randomAlphanumeric(96);
}

export function newAppSecret(): string {
  return randomBytes(16).toString('hex');
}

export function newAdminToken(): string {
  return 'ggadmin_' + randomAlphanumeric(32);
}

// Trace ids are minted on every response, so they come from a pooled buffer rather than a syscall each.
const TRACE_POOL_SIZE = 8 * 1024;
let tracePool = randomBytes(TRACE_POOL_SIZE);
let traceOffset = 0;

/** An opaque `fbtrace_id` / `x-fb-trace-id`: 11 base64url characters, like `E7riEe9OW2e`. */
export function newTraceId(): string {
  if (traceOffset + 8 > TRACE_POOL_SIZE) {
    tracePool = randomBytes(TRACE_POOL_SIZE);
    traceOffset = 0;
  }
  const id = tracePool.toString('base64url', traceOffset, traceOffset + 8);
  traceOffset += 8;
  return id;
}
