/**
 * @module domain/item-errors — per-item errors (`failed_join_requests[].errors[]`, and the `errors[]` of webhook
 * items) built from the catalog, so their codes and wording have one source.
 */
import type { ItemError } from '@groupgate/sdk/contract';
import type { ErrorTemplate } from './error-catalog.js';

export function itemError(template: ErrorTemplate, details: string): ItemError {
  return { code: template.code, message: template.message, title: template.title, error_data: { details } };
}

/** The same error with its keys in the order Meta's webhook samples show them: code, title, message. */
export function webhookError(template: ErrorTemplate, details: string): ItemError {
  return { code: template.code, title: template.title, message: template.message, error_data: { details } };
}
