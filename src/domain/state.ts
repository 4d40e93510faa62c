/**
 * @module domain/state — the state document (docs/state.md) and its one translation to and from the snapshot the
 * stores read and write. A document arrives already checked against STATE_SCHEMA (which also fills the defaults
 * it can); this module fills the rest (ids minted as Groupgate mints them, times defaulting to now), checks what a
 * schema cannot say (an id used twice), and renders a snapshot back as the document an export answers.
 */
import {
  WEBHOOK_FIELDS,
  type GroupDocument,
  type JoinApprovalMode,
  type JoinRequestStatus,
  type StateDocument,
  type UserDocumentFields,
} from '@groupgate/sdk/contract';
import { DEFAULT_API_VERSION, isPublishedVersion } from './api-versions.js';
import {
  groupIdFor,
  joinRequestIdFor,
  newAppSecret,
  newBusinessPhoneDigits,
  newGroupNumber,
  newInviteCode,
  newNodeId,
  newRequestId,
} from './ids.js';
import { limitsFromSettings, settingsOfLimits, type BusinessLimits } from './rate-limits.js';
import type { WebhookSettings } from './records.js';
import { STATE_VERSION } from './state-schema.js';
import { userIdentity, type UserIdentity } from './users.js';

export type { JoinRequestStatus, StateDocument } from '@groupgate/sdk/contract';

/** Everything filled in: what a store writes on import and reads on export. Keys are undefined until assigned. */
export interface StateSnapshot {
  /** The keys the next group and join request get; undefined: the highest key + 1. */
  nextKeys: { group?: number | undefined; joinRequest?: number | undefined };
  businesses: BusinessState[];
}

export interface BusinessState {
  wabaId: string;
  phoneNumberId: string;
  phoneDigits: string;
  name: string;
  createdAt: number;
  appId: string;
  appSecret: string;
  requireAppsecretProof: boolean;
  /** Null: Groupgate's default. */
  defaultApiVersion: string | null;
  webhook: WebhookSettings | null;
  /** The business's own settings (their counts are not state). */
  limits: BusinessLimits;
  tokens: TokenState[];
  groups: GroupState[];
}

export interface TokenState {
  token: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface GroupState {
  key: number | undefined;
  groupId: string;
  groupNumber: string;
  requestId: string;
  subject: string;
  description: string;
  joinApprovalMode: JoinApprovalMode;
  inviteCode: string;
  inviteLinkActive: boolean;
  photoSha256: string | null;
  createdAt: number;
  suspendedAt: number | null;
  deletedAt: number | null;
  /** The user as the business sees them: their BSUID, and a username, a parent BSUID or a hidden number. */
  participants: { user: UserIdentity; joinedAt: number }[];
  removed: { waId: string; removedAt: number }[];
  joinRequests: JoinRequestState[];
}

export interface JoinRequestState {
  key: number | undefined;
  joinRequestId: string;
  user: UserIdentity;
  status: JoinRequestStatus;
  createdAt: number;
  decidedAt: number | null;
}

/** What is wrong, and where: `businesses[0].groups[2].participants[1].wa_id`. */
export interface StateProblem {
  path: string;
  message: string;
}

/** ajv's `/businesses/0/groups/2` as `businesses[0].groups[2]`. */
export function documentPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`),
      '',
    );
}

/** Records each value once; the second time, the problem names where it was first seen. */
class Unique {
  readonly #seen = new Map<string, string>();
  constructor(
    readonly what: string,
    readonly problems: StateProblem[],
  ) {}
  check(value: string | number | undefined, path: string): void {
    if (value === undefined) return;
    const first = this.#seen.get(String(value));
    if (first !== undefined) {
      // A token is a secret: the error names where it is used, never the token itself.
      const shown = this.what === 'token' ? '' : ` ${value}`;
      this.problems.push({ path, message: `${this.what}${shown} is already used at ${first}` });
    } else {
      this.#seen.set(String(value), path);
    }
  }
}

/**
 * The snapshot a (schema-valid) document stands for, or what is wrong with it. `now` is Unix seconds, `nowMs` the
 * same instant in milliseconds (webhook settings keep milliseconds, as the delivery log does).
 */
export function snapshotFromDocument(
  doc: StateDocument,
  now: number,
  nowMs: number,
): { snapshot: StateSnapshot } | { problems: StateProblem[] } {
  const problems: StateProblem[] = [];
  const ids = {
    waba: new Unique('WABA id', problems),
    phoneNumberId: new Unique('phone number id', problems),
    phone: new Unique('phone number', problems),
    app: new Unique('app id', problems),
    token: new Unique('token', problems),
    groupId: new Unique('group id', problems),
    groupNumber: new Unique('group number', problems),
    inviteCode: new Unique('invite code', problems),
    groupKey: new Unique('group key', problems),
    requestKey: new Unique('join request key', problems),
  };
  const businesses = doc.businesses.map((b, bi): BusinessState => {
    const at = `businesses[${bi}]`;
    const phoneDigits = b.phone_number ?? newBusinessPhoneDigits();
    const appId = b.app?.app_id ?? newNodeId();
    ids.waba.check(b.waba_id, `${at}.waba_id`);
    ids.phoneNumberId.check(b.phone_number_id, `${at}.phone_number_id`);
    ids.phone.check(b.phone_number, `${at}.phone_number`);
    ids.app.check(b.app?.app_id, `${at}.app.app_id`);
    const webhook = b.app?.webhook ?? null;
    const version = b.app?.default_api_version ?? null;
    if (version !== null && !isPublishedVersion(version)) {
      problems.push({
        path: `${at}.app.default_api_version`,
        message: `${version} is not a Graph API version (such as ${DEFAULT_API_VERSION})`,
      });
    }
    return {
      wabaId: b.waba_id,
      phoneNumberId: b.phone_number_id,
      phoneDigits,
      name: b.name ?? 'Groupgate sandbox business',
      createdAt: b.created_at ?? now,
      appId,
      appSecret: b.app?.app_secret ?? newAppSecret(),
      requireAppsecretProof: b.app?.require_appsecret_proof ?? false,
      defaultApiVersion: version,
      webhook:
        webhook === null
          ? null
          : {
              appId,
              callbackUrl: webhook.callback_url,
              verifyToken: webhook.verify_token,
              fields: webhook.fields ?? [...WEBHOOK_FIELDS],
              updatedAt: webhook.updated_at_ms ?? nowMs,
            },
      limits: limitsFromSettings(b.limits ?? {}),
      tokens: (b.tokens ?? []).map((t, ti) => {
        ids.token.check(t.token, `${at}.tokens[${ti}].token`);
        return {
          token: t.token,
          createdAt: t.created_at ?? now,
          expiresAt: t.expires_at ?? null,
          revokedAt: t.revoked_at ?? null,
        };
      }),
      groups: (b.groups ?? []).map((g, gi) =>
        groupState(g, `${at}.groups[${gi}]`, b.waba_id, phoneDigits, now, ids, problems),
      ),
    };
  });
  if (problems.length > 0) return { problems };
  return {
    snapshot: {
      nextKeys: { group: doc.next_keys?.group, joinRequest: doc.next_keys?.join_request },
      businesses,
    },
  };
}

/** The user a participant or request names, as their business (`scope`, its WABA id) sees them. */
function userOf(scope: string, waId: string, fields: UserDocumentFields): UserIdentity {
  return userIdentity(scope, waId, {
    ...(fields.hide_phone_number !== undefined && { hidePhoneNumber: fields.hide_phone_number }),
    ...(fields.username !== undefined && { username: fields.username }),
    ...(fields.parent_user_id !== undefined && { parentUserId: fields.parent_user_id }),
  });
}

/** What the document says of a user beyond their number: only what differs from the default. */
function userFields(user: UserIdentity): UserDocumentFields {
  return {
    ...(user.phoneHidden && { hide_phone_number: true }),
    ...(user.username !== undefined && { username: user.username }),
    ...(user.parentUserId !== undefined && { parent_user_id: user.parentUserId }),
  };
}

function groupState(
  g: GroupDocument,
  at: string,
  scope: string,
  phoneDigits: string,
  now: number,
  ids: Record<'groupId' | 'groupNumber' | 'inviteCode' | 'groupKey' | 'requestKey', Unique>,
  problems: StateProblem[],
): GroupState {
  const groupNumber = g.group_number ?? newGroupNumber();
  const createdAt = g.created_at ?? now;
  ids.groupKey.check(g.key, `${at}.key`);
  ids.groupId.check(g.group_id, `${at}.group_id`);
  ids.groupNumber.check(g.group_number, `${at}.group_number`);
  ids.inviteCode.check(g.invite_code, `${at}.invite_code`);
  const participantIds = new Unique('participant', problems);
  const participants = (g.participants ?? []).map((p, pi) => {
    const participant = typeof p === 'string' ? { wa_id: p } : p;
    participantIds.check(
      participant.wa_id,
      `${at}.participants[${pi}]${typeof p === 'string' ? '' : '.wa_id'}`,
    );
    return {
      user: userOf(scope, participant.wa_id, participant),
      joinedAt: participant.joined_at ?? createdAt,
    };
  });
  const removedIds = new Unique('removed participant', problems);
  const removed = (g.removed_participants ?? []).map((r, ri) => {
    removedIds.check(r.wa_id, `${at}.removed_participants[${ri}].wa_id`);
    return { waId: r.wa_id, removedAt: r.removed_at ?? now };
  });
  const pendingIds = new Unique('pending join request id', problems);
  const joinRequests = (g.join_requests ?? []).map((r, ri): JoinRequestState => {
    const where = `${at}.join_requests[${ri}]`;
    const status = r.status ?? 'pending';
    const joinRequestId = r.join_request_id ?? joinRequestIdFor(r.wa_id, groupNumber);
    const requestedAt = r.created_at ?? now;
    ids.requestKey.check(r.key, `${where}.key`);
    if (status === 'pending') {
      pendingIds.check(joinRequestId, `${where}.join_request_id`);
      // Live, a participant cannot ask to join (409); imported, the approval would meet the membership row.
      const member = participants.findIndex((p) => p.user.waId === r.wa_id);
      if (member >= 0) {
        problems.push({
          path: `${where}.wa_id`,
          message: `${r.wa_id} is a participant of the group (participants[${member}]); a participant has no pending request`,
        });
      }
      if (r.decided_at !== undefined && r.decided_at !== null) {
        problems.push({ path: `${where}.decided_at`, message: 'a pending request has no decided_at' });
      }
    }
    return {
      key: r.key,
      joinRequestId,
      user: userOf(scope, r.wa_id, r),
      status,
      createdAt: requestedAt,
      decidedAt: status === 'pending' ? null : (r.decided_at ?? requestedAt),
    };
  });
  return {
    key: g.key,
    groupId: g.group_id ?? groupIdFor(phoneDigits, groupNumber),
    groupNumber,
    requestId: g.request_id ?? newRequestId(),
    subject: g.subject,
    description: g.description ?? '',
    joinApprovalMode: g.join_approval_mode ?? 'approval_required',
    inviteCode: g.invite_code ?? newInviteCode(),
    inviteLinkActive: g.invite_link_active ?? true,
    photoSha256: g.photo_sha256 ?? null,
    createdAt,
    suspendedAt: g.suspended_at ?? null,
    deletedAt: g.deleted_at ?? null,
    participants,
    removed,
    joinRequests,
  };
}

/** The document an export answers: every field written out, so that it reads back to the same snapshot. */
export function documentFromSnapshot(snapshot: StateSnapshot, exportedAt: number): StateDocument {
  const { group, joinRequest } = snapshot.nextKeys;
  return {
    groupgate_state: STATE_VERSION,
    exported_at: exportedAt,
    ...((group !== undefined || joinRequest !== undefined) && {
      next_keys: {
        ...(group !== undefined && { group }),
        ...(joinRequest !== undefined && { join_request: joinRequest }),
      },
    }),
    businesses: snapshot.businesses.map((b) => ({
      waba_id: b.wabaId,
      phone_number_id: b.phoneNumberId,
      phone_number: b.phoneDigits,
      name: b.name,
      created_at: b.createdAt,
      app: {
        app_id: b.appId,
        app_secret: b.appSecret,
        require_appsecret_proof: b.requireAppsecretProof,
        default_api_version: b.defaultApiVersion,
        webhook:
          b.webhook === null
            ? null
            : {
                callback_url: b.webhook.callbackUrl,
                verify_token: b.webhook.verifyToken,
                fields: b.webhook.fields,
                updated_at_ms: b.webhook.updatedAt,
              },
      },
      limits: settingsOfLimits(b.limits),
      tokens: b.tokens.map((t) => ({
        token: t.token,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
      })),
      groups: b.groups.map((g) => ({
        ...(g.key !== undefined && { key: g.key }),
        group_id: g.groupId,
        group_number: g.groupNumber,
        request_id: g.requestId,
        subject: g.subject,
        description: g.description,
        join_approval_mode: g.joinApprovalMode,
        invite_code: g.inviteCode,
        invite_link_active: g.inviteLinkActive,
        photo_sha256: g.photoSha256,
        created_at: g.createdAt,
        suspended_at: g.suspendedAt,
        deleted_at: g.deletedAt,
        participants: g.participants.map((p) => ({
          wa_id: p.user.waId,
          joined_at: p.joinedAt,
          ...userFields(p.user),
        })),
        removed_participants: g.removed.map((r) => ({ wa_id: r.waId, removed_at: r.removedAt })),
        join_requests: g.joinRequests.map((r) => ({
          ...(r.key !== undefined && { key: r.key }),
          join_request_id: r.joinRequestId,
          wa_id: r.user.waId,
          status: r.status,
          created_at: r.createdAt,
          decided_at: r.decidedAt,
          ...userFields(r.user),
        })),
      })),
    })),
  };
}
