/** @module server/graph-error — the one exception type that becomes a Graph error envelope. */
import type { GraphErrorBody } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS, formatMessage, type ErrorTemplate } from '../domain/error-catalog.js';

export interface GraphErrorOptions {
  /** Fills `{name}` placeholders of the template's message. */
  params?: Readonly<Record<string, string | number>>;
  /** Goes to `error_data.details`. */
  details?: string;
  headers?: Readonly<Record<string, string>>;
}

export class GraphError extends Error {
  override readonly name = 'GraphError';
  readonly template: ErrorTemplate;
  readonly status: number;
  readonly details: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(template: ErrorTemplate, options: GraphErrorOptions = {}) {
    super(formatMessage(template.message, options.params ?? {}));
    this.template = template;
    this.status = template.status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toBody(fbtraceId: string): GraphErrorBody {
    const t = this.template;
    return {
      error: {
        message: this.message,
        type: t.type,
        code: t.code,
        ...(t.subcode !== undefined && { error_subcode: t.subcode }),
        ...(this.details !== undefined && {
          error_data: { messaging_product: 'whatsapp', details: this.details },
        }),
        ...(t.userTitle !== undefined && { error_user_title: t.userTitle }),
        ...(t.userMessage !== undefined && { error_user_msg: t.userMessage }),
        ...(t.isTransient !== undefined && { is_transient: t.isTransient }),
        fbtrace_id: fbtraceId,
      },
    };
  }
}

/** `(#100) ...` errors with the parameter problem spelled out, as Graph words them. */
export function invalidParameter(details: string): GraphError {
  return new GraphError(GRAPH_ERRORS.INVALID_PARAMETER, { params: { details }, details });
}
