/**
 * @module domain/conditions — the rules of the states a test can put a business or a user in through the control
 * API, which Meta's errors describe but no Graph call can cause: a number not eligible for groups (131215), group
 * creation paused (131214), an asynchronous failure armed for the next create, delete or settings update (its
 * webhook then carries `errors[]`), a user who has not accepted WhatsApp's terms (131203), and answering a partly
 * failed approval with HTTP 206 (131201). Pure: the server keeps the states and asks these rules.
 */
import type { ItemError } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS, webhookErrorTemplate, type ErrorTemplate } from './error-catalog.js';
import { webhookError } from './item-errors.js';
import type { DecisionOutcome } from './records.js';
import { SETTINGS_FIELDS, type SettingsChange, type SettingsField } from './webhook-items.js';

export interface BusinessConditions {
  /** False: every call on the phone number's groups edge answers 131215. */
  eligibleForGroups: boolean;
  /** True: creating a group answers 131214 (too many marketing messages in the service window). */
  groupCreationDisabled: boolean;
  /** The status of an approve or reject some, but not all, of whose ids failed: 200 (default) or 206 (131201). */
  partialSuccessStatus: 200 | 206;
}

export const DEFAULT_CONDITIONS: Readonly<BusinessConditions> = Object.freeze({
  eligibleForGroups: true,
  groupCreationDisabled: false,
  partialSuccessStatus: 200,
});

/** The operations whose outcome Meta reports by webhook, and so can fail after the call was accepted. */
export const ASYNC_OPERATIONS = ['group_create', 'group_delete', 'group_settings_update'] as const;
export type AsyncOperation = (typeof ASYNC_OPERATIONS)[number];

/** One failure armed for the next call of its operation on a business. */
export interface ArmedFailure {
  operation: AsyncOperation;
  /** A WhatsApp code of the catalog (webhookErrorTemplate). */
  code: number;
  /** For settings updates: the fields that fail; absent, every field the call changes. */
  fields?: readonly SettingsField[];
}

/** The error an armed failure reports in its webhook; an unknown code (never accepted by the control API) is 131000. */
export function armedFailureError(failure: ArmedFailure, details: string): ItemError {
  return webhookError(webhookErrorTemplate(failure.code) ?? GRAPH_ERRORS.SOMETHING_WENT_WRONG, details);
}

/** Which error, if any, refuses a call on the phone number's groups edge; eligibility is checked first. */
export function groupsEdgeRefusal(
  conditions: BusinessConditions,
  operation: 'create' | 'list',
): ErrorTemplate | undefined {
  if (!conditions.eligibleForGroups) return GRAPH_ERRORS.NOT_ELIGIBLE_FOR_GROUPS;
  if (operation === 'create' && conditions.groupCreationDisabled) return GRAPH_ERRORS.GROUP_CREATION_DISABLED;
  return undefined;
}

/** What a settings update does under an armed failure: the part applied, and the fields that failed. */
export interface SettingsPlan {
  apply: SettingsChange;
  failed: SettingsField[];
}

export function planSettingsUpdate(change: SettingsChange, failure: ArmedFailure | undefined): SettingsPlan {
  const asked: SettingsField[] = [];
  if (change.subject !== undefined) asked.push('subject');
  if (change.description !== undefined) asked.push('description');
  if (change.photo !== undefined) asked.push('profile_picture');
  const failing = failure?.fields ?? SETTINGS_FIELDS;
  const failed = failure === undefined ? [] : asked.filter((field) => failing.includes(field));
  const apply: SettingsChange = {};
  if (change.subject !== undefined && !failed.includes('subject')) apply.subject = change.subject;
  if (change.description !== undefined && !failed.includes('description'))
    apply.description = change.description;
  if (change.photo !== undefined && !failed.includes('profile_picture')) apply.photo = change.photo;
  return { apply, failed };
}

/**
 * HTTP status of an approve or reject: 206 only when the business asked for it and the call partly succeeded (some
 * ids decided, some failed); a call that wholly succeeded or wholly failed keeps 200 with its documented body.
 */
export function decisionStatus(
  outcomes: readonly DecisionOutcome[],
  conditions: Pick<BusinessConditions, 'partialSuccessStatus'>,
): 200 | 206 {
  if (conditions.partialSuccessStatus !== 206) return 200;
  const decided = outcomes.filter((o) => o.result === 'decided').length;
  return decided > 0 && decided < outcomes.length ? 206 : 200;
}
