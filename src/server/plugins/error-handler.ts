/**
 * @module server/plugins/error-handler — the single place where failures become responses. Every error, ours or
 * Fastify's or a bug, leaves as a Graph envelope with the request's trace id; nothing leaves as an HTML page or a
 * bare 500.
 */
import { MAX_GROUP_PHOTO_BYTES } from '@groupgate/sdk/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { isTransientStoreError } from '../../storage/transient-errors.js';
import { isVanishedRowError } from '../../storage/vanished-rows.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import { unknownPathError } from '../graph/edge-router.js';
import { errorShapingParams, shapeAnswer } from '../graph/output-options.js';
import { isConnectionCut } from '../faults/fault-stage.js';
import { CUT_HEADER, isBatchedOperation } from '../graph/batch/batched-operation.js';
import { isControlPath } from '../surface.js';
import { setGraphHeaders } from './graph-headers.js';

/**
 * The control API's errors are GroupgateException whatever raised them (a body parser, the router, a limit, a
 * bug), with the status and code the Graph error would have had, and without Graph's `(#code)` prefix: a client
 * tells the two surfaces apart by `type` alone.
 */
function inControlFamily(error: GraphError): GraphError {
  if (error.template.type === 'GroupgateException') return error;
  return new GraphError(
    { ...error.template, type: 'GroupgateException', message: error.message.replace(/^\(#\d+\) /, '') },
    { ...(error.details !== undefined && { details: error.details }), headers: error.headers },
  );
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string';
}

/** Translates framework and parser errors into the catalog; unknown ones into a logged 500. */
export function toGraphError(error: unknown, request: FastifyRequest, bodyLimit: number): GraphError {
  if (error instanceof GraphError) return error;
  const controlApi = isControlPath(request.url);
  if (isTransientStoreError(error)) return storeUnavailable(controlApi);
  if (isVanishedRowError(error)) return vanished(request, controlApi);
  if (isFastifyError(error)) {
    if (error.validation !== undefined) {
      const first = error.validation[0];
      const where = first?.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : '';
      const missing = first?.params['missingProperty'];
      const extra = first?.params['additionalProperty'];
      const details =
        first?.keyword === 'required'
          ? `The parameter ${String(missing)} is required`
          : first?.keyword === 'additionalProperties'
            ? `Param ${String(extra)} is not a parameter of this call`
            : `Param ${where || error.validationContext || 'body'} ${first?.message ?? 'is invalid'}`;
      return controlApi
        ? new GraphError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, { params: { details }, details })
        : invalidParameter(details);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new GraphError(GRAPH_ERRORS.INVALID_JSON, { details: error.message });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new GraphError(GRAPH_ERRORS.UNSUPPORTED_CONTENT_TYPE, {
          params: { contentType: String(request.headers['content-type'] ?? '') },
          details: controlApi
            ? 'The control API takes application/json.'
            : 'Send application/json, application/x-www-form-urlencoded or multipart/form-data.',
        });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new GraphError(GRAPH_ERRORS.BODY_TOO_LARGE, { params: { limit: bodyLimit } });
      // Uploads have their own cap, Meta's 5 MB for a group picture, not the body limit.
      case 'FST_REQ_FILE_TOO_LARGE':
        return new GraphError(GRAPH_ERRORS.FILE_TOO_LARGE, { params: { limit: MAX_GROUP_PHOTO_BYTES } });
      case 'FST_FILES_LIMIT':
        return new GraphError(GRAPH_ERRORS.TOO_MANY_FILES);
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      case 'FST_ERR_CTP_INVALID_TYPE':
      case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      case 'FST_PARTS_LIMIT':
      case 'FST_FIELDS_LIMIT':
      case 'FST_PROTO_VIOLATION':
        return invalidParameter(error.message);
    }
  }
  // A client error raised by a parser we do not know by code (e.g. a malformed form or multipart body).
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error) {
    return invalidParameter(error.message);
  }
  return new GraphError(GRAPH_ERRORS.UNKNOWN_ERROR);
}

/**
 * The business the call was about was deleted while the call was under way (storage/vanished-rows): the answer it
 * would have had a moment later, the node does not exist.
 */
function vanished(request: FastifyRequest, controlApi: boolean): GraphError {
  if (controlApi) {
    const details = 'The business this call was about was deleted while it ran.';
    return new GraphError(GRAPH_ERRORS.CONTROL_NOT_FOUND, { params: { details }, details });
  }
  const segments = (request.url.split('?')[0] ?? '').split('/').filter(Boolean);
  // /v23.0/{node}/{edge}: the node; a URL without a version has its node first.
  const node = (/^v\d+\.\d+$/.test(segments[0] ?? '') ? segments[1] : segments[0]) ?? '';
  const id = node.length > MAX_ID_IN_MESSAGE ? `${node.slice(0, MAX_ID_IN_MESSAGE)}…` : node;
  return new GraphError(GRAPH_ERRORS.OBJECT_NOT_FOUND, {
    params: { method: request.method.toLowerCase(), id: decodeURIComponentSafe(id) },
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const STORE_UNAVAILABLE_DETAILS = 'The database is unavailable or cannot write; retry the call.';

/** The store failed in a way that passes (see storage/transient-errors): 503, Graph's transient code 2. */
export function storeUnavailable(controlApi: boolean, details = STORE_UNAVAILABLE_DETAILS): GraphError {
  return controlApi
    ? new GraphError(GRAPH_ERRORS.CONTROL_UNAVAILABLE, { params: { details }, details })
    : new GraphError(GRAPH_ERRORS.SERVICE_UNAVAILABLE);
}

function sendGraphError(request: FastifyRequest, reply: FastifyReply, error: GraphError): FastifyReply {
  const controlApi = isControlPath(request.url);
  const graphError = controlApi ? inControlFamily(error) : error;
  const body = JSON.stringify(graphError.toBody(request.id));
  // Graph's suppress_http_code and pretty apply to its errors too; the control API has neither.
  const answer = controlApi
    ? { status: graphError.status, body }
    : shapeAnswer({ status: graphError.status, body }, errorShapingParams(request.query, request.body));
  return reply
    .code(answer.status)
    .headers(graphError.headers)
    .header('content-type', 'application/json; charset=UTF-8')
    .send(answer.body);
}

const MAX_ID_IN_MESSAGE = 64;

/**
 * Errors the router raises before any route or hook runs (Fastify's `frameworkErrors`): a URL that is not valid
 * percent-encoding, or a path segment longer than any id. Without this they would leave in Fastify's own format.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  setGraphHeaders(request, reply);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH' && isControlPath(request.url)) {
    const path = request.url.split('?')[0] ?? '';
    const shown = path.length > MAX_ID_IN_MESSAGE ? `${path.slice(0, MAX_ID_IN_MESSAGE)}…` : path;
    const details = `No control API resource ${request.method} ${shown}: a path segment is longer than any id.`;
    void sendGraphError(
      request,
      reply,
      new GraphError(GRAPH_ERRORS.CONTROL_NOT_FOUND, { params: { details }, details }),
    );
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const segment = (request.url.split('?')[0] ?? '').split('/').filter(Boolean)[1] ?? '';
    const id = segment.length > MAX_ID_IN_MESSAGE ? `${segment.slice(0, MAX_ID_IN_MESSAGE)}…` : segment;
    void sendGraphError(
      request,
      reply,
      new GraphError(GRAPH_ERRORS.OBJECT_NOT_FOUND, { params: { method: request.method.toLowerCase(), id } }),
    );
    return;
  }
  const graphError =
    error.code === 'FST_ERR_BAD_URL'
      ? invalidParameter('The request URL is not valid: it holds malformed percent-encoding')
      : toGraphError(error, request, 0);
  void sendGraphError(request, reply, graphError);
}

export function registerErrorHandler(app: FastifyInstance, bodyLimit: number, clock: () => number): void {
  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // An injected network fault cut the connection: there is no one left to answer.
    if (isConnectionCut(error)) {
      // A batched operation has no connection: its batch cuts its own (routes/batch.ts).
      if (isBatchedOperation(request)) return reply.code(599).header(CUT_HEADER, error.effect).send('');
      return reply.hijack();
    }
    const graphError = toGraphError(error, request, bodyLimit);
    // An error a fault rule asked for is the test's doing, not the server's: no error-level log line.
    if (request.groupgateFault !== undefined)
      request.log.info({ fault: request.groupgateFault }, 'fault injected');
    else if (graphError.status === 503)
      request.log.warn({ err: error, fbtrace_id: request.id }, 'store unavailable');
    else if (graphError.status >= 500)
      request.log.error({ err: error, fbtrace_id: request.id }, 'unhandled error');
    return sendGraphError(request, reply, graphError);
  });

  app.setNotFoundHandler(async (request: FastifyRequest) => {
    if (isControlPath(request.url)) {
      const details = `No control API route ${request.method} ${request.url.split('?')[0]}`;
      throw new GraphError(GRAPH_ERRORS.CONTROL_NOT_FOUND, { params: { details }, details });
    }
    const segments = (request.url.split('?')[0] ?? '').split('/').filter(Boolean);
    if (segments.length === 0) throw unknownPathError(request.url, clock());
    if (segments.length === 1) {
      throw new GraphError(GRAPH_ERRORS.OBJECT_NOT_FOUND, {
        params: { method: request.method.toLowerCase(), id: segments[0] ?? '' },
      });
    }
    throw unknownPathError(request.url, clock());
  });
}
