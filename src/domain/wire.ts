/**
 * @module domain/wire — the JSON a join request is listed as, built once, when the request is made: both backends
 * store it with the request and a page read only joins stored items (the hot path renders nothing).
 */
import type { JoinRequest } from '@groupgate/sdk/contract';

export function joinRequestJson(joinRequestId: string, waId: string, createdAt: number): string {
  const item: JoinRequest = { join_request_id: joinRequestId, wa_id: waId, creation_timestamp: createdAt };
  return JSON.stringify(item);
}
