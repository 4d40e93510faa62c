/**
 * @module resources/groups — creating, listing, reading, updating and deleting groups, their invite links and
 * participants.
 */
import type {
  CreateGroupResponse,
  GroupInfo,
  GroupInfoField,
  GroupSummary,
  GroupsPage,
  InviteLinkResponse,
  JoinApprovalMode,
} from '../contract/index.js';
import type { GraphTransport } from '../transport.js';
import { toPage, walk, type Page, type PageQuery } from './pages.js';

export interface CreateGroupInput {
  subject: string;
  description?: string;
  /** @default 'auto_approve' (Meta's default) */
  joinApprovalMode?: JoinApprovalMode;
}

export interface UpdateGroupInput {
  subject?: string;
  description?: string;
  /** A square JPEG, at least 192 px, at most 5 MB; sent as multipart/form-data. */
  photo?: Blob;
}

/** What a settings update or participant removal answers; Meta documents no body, so every key may be absent. */
export interface AcceptedChange {
  success?: boolean;
  request_id?: string;
}

const node = (groupId: string) => `/${encodeURIComponent(groupId)}`;

export class Groups {
  readonly #transport: GraphTransport;
  readonly #phoneNumberId: string | undefined;

  constructor(transport: GraphTransport, phoneNumberId: string | undefined) {
    this.#transport = transport;
    this.#phoneNumberId = phoneNumberId;
  }

  #phone(phoneNumberId: string | undefined): string {
    const id = phoneNumberId ?? this.#phoneNumberId;
    if (id === undefined) throw new TypeError('phoneNumberId is needed: pass it here or to the client');
    return encodeURIComponent(id);
  }

  /** Creation is asynchronous: the group id arrives in the `group_create` webhook carrying this `request_id`. */
  async create(input: CreateGroupInput, phoneNumberId?: string): Promise<CreateGroupResponse> {
    const { body } = await this.#transport.request<CreateGroupResponse>({
      method: 'POST',
      path: `/${this.#phone(phoneNumberId)}/groups`,
      json: {
        messaging_product: 'whatsapp',
        subject: input.subject,
        ...(input.description !== undefined && { description: input.description }),
        ...(input.joinApprovalMode !== undefined && { join_approval_mode: input.joinApprovalMode }),
      },
    });
    return body;
  }

  /** One page of active groups. */
  async list(query: PageQuery = {}, phoneNumberId?: string): Promise<Page<GroupSummary>> {
    const { body } = await this.#transport.request<GroupsPage>({
      method: 'GET',
      path: `/${this.#phone(phoneNumberId)}/groups`,
      query: { limit: query.limit, after: query.after, before: query.before },
    });
    return toPage(body.data.groups, body.paging);
  }

  iterate(
    options: { pageSize?: number; phoneNumberId?: string } = {},
  ): AsyncGenerator<GroupSummary, void, undefined> {
    return walk((after) =>
      this.list(
        {
          ...(options.pageSize !== undefined && { limit: options.pageSize }),
          ...(after !== undefined && { after }),
        },
        options.phoneNumberId,
      ),
    );
  }

  /** The group's fields, typed by those asked for: `get(id, ['subject', 'participants'])`. */
  async get<F extends GroupInfoField = never>(
    groupId: string,
    fields: readonly F[] = [],
  ): Promise<GroupInfo<F>> {
    const { body } = await this.#transport.request<GroupInfo<F>>({
      method: 'GET',
      path: node(groupId),
      query: { fields: fields.length === 0 ? undefined : fields.join(',') },
    });
    return body;
  }

  /** Subject, description and/or photo; the outcome arrives in the `group_settings_update` webhook. */
  async update(groupId: string, input: UpdateGroupInput): Promise<AcceptedChange> {
    if (input.photo !== undefined) {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      if (input.subject !== undefined) form.set('subject', input.subject);
      if (input.description !== undefined) form.set('description', input.description);
      form.set('file', input.photo, 'photo.jpg');
      return (await this.#transport.request<AcceptedChange>({ method: 'POST', path: node(groupId), form }))
        .body;
    }
    const json = {
      messaging_product: 'whatsapp',
      ...(input.subject !== undefined && { subject: input.subject }),
      ...(input.description !== undefined && { description: input.description }),
    };
    return (await this.#transport.request<AcceptedChange>({ method: 'POST', path: node(groupId), json }))
      .body;
  }

  /**
   * Deletes the group. Meta answers `{success: true}`; Groupgate adds the `request_id` the `group_delete` webhook
   * carries, so that a caller can tie the two as for creation.
   */
  async delete(groupId: string): Promise<{ success: boolean; request_id?: string }> {
    return (
      await this.#transport.request<{ success: boolean; request_id?: string }>({
        method: 'DELETE',
        path: node(groupId),
      })
    ).body;
  }
}

export class InviteLinks {
  readonly #transport: GraphTransport;

  constructor(transport: GraphTransport) {
    this.#transport = transport;
  }

  async get(groupId: string): Promise<string> {
    const { body } = await this.#transport.request<InviteLinkResponse>({
      method: 'GET',
      path: `${node(groupId)}/invite_link`,
    });
    return body.invite_link;
  }

  /** A new link; the old one stops working at once. */
  async reset(groupId: string): Promise<string> {
    const { body } = await this.#transport.request<InviteLinkResponse>({
      method: 'POST',
      path: `${node(groupId)}/invite_link`,
      json: { messaging_product: 'whatsapp' },
    });
    return body.invite_link;
  }

  /** Removes the link (in Meta's spec only): nobody can join until `reset` creates one. */
  async delete(groupId: string): Promise<void> {
    await this.#transport.request({
      method: 'DELETE',
      path: `${node(groupId)}/invite_link`,
      json: { messaging_product: 'whatsapp' },
    });
  }
}

export class Participants {
  readonly #transport: GraphTransport;

  constructor(transport: GraphTransport) {
    this.#transport = transport;
  }

  /**
   * Removes 1 to 8 users, each a phone number or wa_id (a string, sent as `{user}`) or a business-scoped user id
   * (`{user_id: 'US.…'}`); they cannot rejoin through the invite link.
   */
  async remove(
    groupId: string,
    users: readonly (string | { user: string } | { user_id: string })[],
  ): Promise<AcceptedChange> {
    if (users.length < 1 || users.length > 8) throw new RangeError('participants: 1 to 8 users per call');
    const { body } = await this.#transport.request<AcceptedChange>({
      method: 'DELETE',
      path: `${node(groupId)}/participants`,
      json: {
        messaging_product: 'whatsapp',
        participants: users.map((user) => (typeof user === 'string' ? { user } : user)),
      },
    });
    return body;
  }
}
