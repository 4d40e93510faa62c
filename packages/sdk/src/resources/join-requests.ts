/**
 * @module resources/join-requests — `/{group_id}/join_requests`: list, walk, approve, reject, and the bulk forms.
 * Approving "all pending" is its own method, never a default of another.
 */
import {
  MAX_JOIN_REQUESTS_PER_CALL,
  type ApproveJoinRequestsResponse,
  type JoinRequest,
  type JoinRequestsPage,
  type RejectJoinRequestsResponse,
} from '../contract/index.js';
import type { GraphTransport } from '../transport.js';
import { decideInBatches, type BulkOptions, type BulkResult } from './bulk.js';
import { toPage, walk, type Page, type PageQuery } from './pages.js';

function checkBatch(ids: readonly string[]): void {
  if (ids.length === 0) throw new RangeError('join request ids: at least one is needed');
  if (ids.length > MAX_JOIN_REQUESTS_PER_CALL) {
    throw new RangeError(
      `join request ids: at most ${MAX_JOIN_REQUESTS_PER_CALL} per call; use approveMany / rejectMany for more`,
    );
  }
}

export class JoinRequests {
  readonly #transport: GraphTransport;

  constructor(transport: GraphTransport) {
    this.#transport = transport;
  }

  /** One page of pending requests, oldest first. */
  async list(groupId: string, query: PageQuery = {}): Promise<Page<JoinRequest>> {
    const { body } = await this.#transport.request<JoinRequestsPage>({
      method: 'GET',
      path: `/${encodeURIComponent(groupId)}/join_requests`,
      query: { limit: query.limit, after: query.after, before: query.before },
    });
    return toPage(body.data, body.paging);
  }

  /** Every pending request, page after page: `for await (const request of client.joinRequests.iterate(id))`. */
  iterate(
    groupId: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<JoinRequest, void, undefined> {
    return walk((after) =>
      this.list(groupId, {
        ...(options.pageSize !== undefined && { limit: options.pageSize }),
        ...(after !== undefined && { after }),
      }),
    );
  }

  /** Approves up to 1,000 ids in one call; per-item failures come back in `failed_join_requests`. */
  async approve(groupId: string, ids: readonly string[]): Promise<ApproveJoinRequestsResponse> {
    checkBatch(ids);
    return (await this.#decide<ApproveJoinRequestsResponse>('POST', groupId, ids)).body;
  }

  /** Rejects up to 1,000 ids in one call. */
  async reject(groupId: string, ids: readonly string[]): Promise<RejectJoinRequestsResponse> {
    checkBatch(ids);
    return (await this.#decide<RejectJoinRequestsResponse>('DELETE', groupId, ids)).body;
  }

  /** Approves any number of ids, in batches (see BulkOptions). An empty list approves nothing. */
  approveMany(groupId: string, ids: readonly string[], options?: BulkOptions): Promise<BulkResult> {
    return decideInBatches(
      ids,
      async (batch) => {
        const answer = await this.approve(groupId, batch);
        return {
          succeeded: answer.approved_join_requests,
          failed: answer.failed_join_requests,
          errors: answer.errors,
        };
      },
      MAX_JOIN_REQUESTS_PER_CALL,
      options,
    );
  }

  /** Rejects any number of ids, in batches. An empty list rejects nothing. */
  rejectMany(groupId: string, ids: readonly string[], options?: BulkOptions): Promise<BulkResult> {
    return decideInBatches(
      ids,
      async (batch) => {
        const answer = await this.reject(groupId, batch);
        return {
          succeeded: answer.rejected_join_requests,
          failed: answer.failed_join_requests,
          errors: answer.errors,
        };
      },
      MAX_JOIN_REQUESTS_PER_CALL,
      options,
    );
  }

  /**
   * Approves every request pending now: lists them all first, then approves exactly those. Requests that arrive
   * meanwhile are left for the next decision.
   */
  async approveAllPending(groupId: string, options?: BulkOptions): Promise<BulkResult> {
    return this.approveMany(groupId, await this.#pendingIds(groupId), options);
  }

  /** Rejects every request pending now, as `approveAllPending` does. */
  async rejectAllPending(groupId: string, options?: BulkOptions): Promise<BulkResult> {
    return this.rejectMany(groupId, await this.#pendingIds(groupId), options);
  }

  async #pendingIds(groupId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const request of this.iterate(groupId, { pageSize: 1024 })) ids.push(request.join_request_id);
    return ids;
  }

  #decide<T>(method: 'POST' | 'DELETE', groupId: string, ids: readonly string[]) {
    return this.#transport.request<T>({
      method,
      path: `/${encodeURIComponent(groupId)}/join_requests`,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
  }
}
