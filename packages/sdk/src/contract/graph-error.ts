/** @module contract/graph-error — the error shapes Graph API sends, exactly as Meta spells them. */

/** The body of every failed Graph call: `{ error: {...} }`. */
export interface GraphErrorBody {
  error: GraphErrorObject;
}

export interface GraphErrorObject {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product?: 'whatsapp'; details: string };
  error_user_title?: string;
  error_user_msg?: string;
  is_transient?: boolean;
  fbtrace_id: string;
}

/**
 * A per-item error inside a successful response (`failed_join_requests[].errors[]`, top-level `errors[]`).
 * This is the Cloud API's webhook-style error, not the Graph envelope.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
export interface ItemError {
  code: number;
  message: string;
  title: string;
  error_data: { details: string };
}
