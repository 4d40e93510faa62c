/** @module domain/item-errors — per-item errors (`failed_join_requests[].errors[]`) built from the catalog. */
import type { ItemError } from '@groupgate/sdk/contract';
import type { ErrorTemplate } from './error-catalog.js';

export function itemError(template: ErrorTemplate, details: string): ItemError {
  return { code: template.code, message: template.message, title: template.title, error_data: { details } };
}
