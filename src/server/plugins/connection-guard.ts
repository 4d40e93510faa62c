/**
 * @module server/plugins/connection-guard — the HTTP server below Fastify, and what happens on a connection before
 * or after a request can be routed: the connection caps, the header and request timeouts, the answers to requests
 * Node's parser refuses, and how a connection is closed. Every answer written here is a Graph envelope with a
 * trace id, sent after the answers to the requests before it on the same connection, in order.
 */
import { LATEST_API_VERSION } from '@groupgate/sdk/contract';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { GRAPH_ERRORS, type ErrorTemplate } from '../../domain/error-catalog.js';
import { newTraceId } from '../../domain/ids.js';
import { GraphError } from '../graph-error.js';
import { isControlPath } from '../surface.js';
import { RequestHeads } from './request-heads.js';

export interface ConnectionLimits {
  /** Open connections the server holds; past it a new one is answered 503 and closed. */
  maxConnections: number;
  /** Open connections from one client address. */
  maxConnectionsPerIp: number;
  /** From a request's first byte to the end of its headers. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. */
  requestTimeoutMs: number;
}

/**
 * How long a closing connection keeps reading (and discarding) what the client still sends. A client that is
 * still uploading a body we refused would otherwise have its data meet a closed socket, and the kernel's reset
 * would reach it before it read our answer (the 413 of a 12 MB body, say).
 */
export const LINGER_MS = 5_000;
/**
 * How long a connection refused at a cap waits for the request it answers, then lingers: short, since a flood of
 * refused connections must not hold descriptors long.
 */
const REFUSED_READ_MS = 250;
const REFUSED_LINGER_MS = 1_000;
/** Graph keeps idle connections longer than the usual 60 s of a load balancer in front. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** Handed to Fastify (or answered here). */
  started: boolean;
}

interface ConnectionState {
  /** Requests not yet answered, in order; only the first is being served. */
  queue: Exchange[];
  /** Runs once `queue` empties. */
  whenIdle: (() => void) | undefined;
  /** The connection is being closed: no further request on it is served. */
  closing: boolean;
  /** A request was refused: its answer waits for those before it, and Node's parser stops at it. */
  refused: boolean;
  /** Where the requests not yet parsed begin, to type an error by the request that failed. */
  heads: RequestHeads;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** The control API's errors keep the envelope but are typed as its own. */
function errorFor(status: number, details: string, controlApi: boolean): GraphError {
  if (status === 503) {
    const template: ErrorTemplate = controlApi
      ? { ...GRAPH_ERRORS.SERVICE_UNAVAILABLE, type: 'GroupgateException' }
      : GRAPH_ERRORS.SERVICE_UNAVAILABLE;
    return new GraphError(template, { details });
  }
  return controlApi
    ? new GraphError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, { params: { details }, details })
    : new GraphError(GRAPH_ERRORS.INVALID_PARAMETER, { params: { details } });
}

interface Answer {
  status: number;
  details: string;
  controlApi: boolean;
  headers?: Readonly<Record<string, string>>;
}

function rendered(answer: Answer): { traceId: string; body: string; headers: Record<string, string> } {
  const traceId = newTraceId();
  const error = errorFor(answer.status, answer.details, answer.controlApi);
  const body = JSON.stringify(error.toBody(traceId));
  return {
    traceId,
    body,
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-fb-trace-id': traceId,
      'access-control-allow-origin': '*',
      'cache-control': 'private, no-cache, no-store, must-revalidate',
      // As graph-headers sets on routed answers; the version asked for is not known here.
      ...(!answer.controlApi && { 'facebook-api-version': LATEST_API_VERSION }),
      ...answer.headers,
      connection: 'close',
    },
  };
}

/** For a socket no request object speaks for: the status line and headers by hand. */
function rawAnswer(answer: Answer): string {
  const { body, headers } = rendered(answer);
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? 'Error'}\r\n${head}\r\n${body}`;
}

/** Whether a request target is on the control API, by the one predicate every surface check uses. */
function isControlRequest(target: string | undefined): boolean {
  return target !== undefined && isControlPath(target);
}

/** The target of the request line the bytes a client sent begin with. */
function firstTarget(bytes: Buffer | undefined): string | undefined {
  return /^[A-Za-z]+ (\S+)/.exec(bytes?.subarray(0, 1024).toString('latin1') ?? '')?.[1];
}

/**
 * Ends our side of the connection after what was written, then reads and discards what the client still sends,
 * until it closes its side or LINGER_MS pass, as Apache and nginx do (their "lingering close").
 */
function lingeringClose(socket: Socket, lingerMs = LINGER_MS): void {
  // Already closing (Node and an answer of ours may both ask).
  if (socket.destroyed || socket.writableEnded) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end();
  socket.resume();
}

/**
 * Sends `100 Continue` when the request's body is first read, and only then: a request refused before its body is
 * read (by its declared length, say) is answered without inviting the body.
 */
function continueOnFirstRead(request: IncomingMessage, response: ServerResponse): void {
  const read = request._read.bind(request);
  request._read = (size: number) => {
    request._read = read;
    if (!response.headersSent && !response.writableEnded) response.writeContinue();
    read(size);
  };
}

/** A request llhttp treats as an upgrade, after which it parses nothing more: `Connection: upgrade` and `Upgrade`. */
function asksToUpgrade(request: IncomingMessage): boolean {
  return (
    request.headers.upgrade !== undefined &&
    /(?:^|,)\s*upgrade\s*(?:,|$)/i.test(String(request.headers.connection ?? ''))
  );
}

/**
 * What is wrong with the request's Host header, if anything. It is echoed into paging links, so it must be a host
 * and nothing more: a DNS name (letters, digits, `-`, `.`, `_`, `~`), an IPv4 address or a bracketed IPv6 one,
 * then at most a port — a subset of RFC 3986's `host [":" port]` that leaves out the percent-encoding and
 * sub-delimiters no real host name uses. RFC 9112 requires a 400 for a missing (HTTP/1.1) or repeated Host.
 */
/** The Host headers a request carried, read from the raw list: `headersDistinct` would copy every header, per request. */
function hostHeaders(request: IncomingMessage): string[] {
  const hosts: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') hosts.push(raw[i + 1] ?? '');
  }
  return hosts;
}

function hostHeaderProblem(request: IncomingMessage): string | undefined {
  const hosts = hostHeaders(request);
  if (hosts.length > 1) return 'A request must carry one Host header; this one carried several.';
  const [host] = hosts;
  if (host === undefined) {
    return request.httpVersion === '1.0' ? undefined : 'An HTTP/1.1 request must carry a Host header.';
  }
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._~-]+))(?::(\d{1,5}))?$/.exec(host);
  const [, ipv6, name, port] = match ?? [];
  const fine =
    match !== null &&
    (ipv6 === undefined || isIP(ipv6) === 6) &&
    (name === undefined || !/^[\d.]+$/.test(name) || isIP(name) === 4) &&
    (port === undefined || Number(port) <= 65535);
  return fine ? undefined : 'The Host header must be a host name or IP address, optionally with a port.';
}

const DETAILS_BY_CODE: Readonly<Record<string, [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'The request line or headers are larger than the server accepts (16 KiB).'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [400, 'The chunk extensions of the request body are larger than accepted.'],
};

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #states = new WeakMap<Socket, ConnectionState>();
  readonly #perAddress = new Map<string, number>();
  #handler: Handler = () => {};
  #shuttingDown = false;
  #open = 0;

  constructor(limits: ConnectionLimits) {
    if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
      throw new Error('the header timeout cannot be longer than the request timeout');
    }
    this.#limits = limits;
  }

  /** Fastify's `serverFactory`: the HTTP server, with the timeouts, the caps and lingering close in place. */
  readonly serverFactory = (handler: Handler): Server => {
    this.#handler = handler;
    const server = createServer(
      {
        headersTimeout: this.#limits.headersTimeoutMs,
        requestTimeout: this.#limits.requestTimeoutMs,
        // Node looks for requests past their timeouts on this beat; its default, 30 s, let a body that never
        // came hold a connection for up to twice the timeout.
        connectionsCheckingInterval: Math.min(1000, this.#limits.headersTimeoutMs),
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        // Refused below, with the Graph envelope, rather than with Node's bare 400.
        requireHostHeader: false,
      },
      (request, response) => this.#dispatch(request, response),
    );
    // A stalled response (a client that stops reading) is cut off; longer than any timeout of a request.
    server.setTimeout(Math.max(60_000, this.#limits.requestTimeoutMs + 5_000));
    const [accept] = server.listeners('connection') as ((socket: Socket) => void)[];
    if (accept !== undefined) {
      server.removeListener('connection', accept);
      server.on('connection', (socket: Socket) => this.#admit(socket, () => accept.call(server, socket)));
    }
    // Node would answer `100 Continue` to every `Expect: 100-continue` before any route looked at the request, so a
    // body refused by its declared length was invited first. The 100 goes out when the body is first read instead.
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      continueOnFirstRead(request, response);
      this.#dispatch(request, response);
    });
    server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) =>
      this.#answer(request, response, {
        status: 417,
        details: `Expect: ${String(request.headers.expect)} is not supported; only 100-continue is.`,
        controlApi: isControlRequest(request.url),
      }),
    );
    // CONNECT is not for a Graph server; Node would drop the connection without a word.
    server.on('connect', (request: IncomingMessage, socket: Socket) => {
      const state = this.#stateOf(socket);
      this.#closeWith(socket, state, {
        status: 400,
        details: 'The CONNECT method is not supported.',
        controlApi: false,
      });
    });
    return server;
  };

  /** Fastify's `clientErrorHandler`: requests Node's parser refused, and requests past their timeouts. */
  readonly clientErrorHandler = (
    error: Error & { code?: string; rawPacket?: unknown; bytesParsed?: unknown },
    socket: Socket,
  ) => {
    const state = this.#states.get(socket);
    // A closing connection lingers on its own terms; and the parser reports a refusal again with each chunk that
    // follows it, when the first was answered already.
    if (state !== undefined && (state.closing || state.refused)) return;
    if (error.code === 'ECONNRESET' || !socket.writable || state === undefined) {
      socket.destroy();
      return;
    }
    const unfinished = state.queue.at(-1)?.response;
    if (unfinished !== undefined && !unfinished.req.complete) {
      // Already answered (a body refused by its declared length): the connection closes once that answer is out.
      if (unfinished.headersSent) {
        state.closing = true;
        state.whenIdle = () => lingeringClose(socket);
        return;
      }
      // The request was routed and is waiting for its body: its own response answers, after those before it.
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      this.#answer(unfinished.req, unfinished, {
        status: timedOut ? 408 : 400,
        details: timedOut
          ? `The request body did not arrive in full within ${this.#limits.requestTimeoutMs} ms.`
          : `The request body is not valid HTTP: ${reasonOf(error)}.`,
        controlApi: isControlRequest(unfinished.req.url),
      });
      return;
    }
    const [status, details] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, `The request headers did not arrive within ${this.#limits.headersTimeoutMs} ms.`]
        : (DETAILS_BY_CODE[error.code ?? ''] ?? [400, `The request is not valid HTTP: ${reasonOf(error)}.`]);
    // Where the parser stopped, when it says: a request line after it was not reached.
    const failedAt =
      Buffer.isBuffer(error.rawPacket) && typeof error.bytesParsed === 'number'
        ? state.heads.received - error.rawPacket.length + error.bytesParsed
        : undefined;
    this.#closeWith(socket, state, {
      status,
      details,
      controlApi: isControlRequest(state.heads.current(failedAt)),
    });
  };

  #stateOf(socket: Socket): ConnectionState {
    let state = this.#states.get(socket);
    if (state === undefined) {
      state = { queue: [], whenIdle: undefined, closing: false, refused: false, heads: new RequestHeads() };
      this.#states.set(socket, state);
    }
    return state;
  }

  #admit(socket: Socket, accept: () => void): void {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (this.#open >= this.#limits.maxConnections || fromAddress >= this.#limits.maxConnectionsPerIp) {
      this.#refuse(socket, this.#open >= this.#limits.maxConnections);
      return;
    }
    this.#open += 1;
    this.#perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.#open -= 1;
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, left);
    });
    const state = this.#stateOf(socket);
    // Node closes a connection with destroySoon() once its last response is written; closing it that way while
    // the client still sends would reset it, so the connection lingers instead.
    socket.destroySoon = () => {
      state.closing = true;
      lingeringClose(socket);
    };
    accept();
    // Before the parser reads them; added after Node's listener, which would otherwise read natively, unseen.
    // (Node then feeds its parser from JS rather than natively: about 5-10% fewer requests a second on the
    // cheapest route, measured with autocannon; see docs/decisions.md.)
    socket.prependListener('data', (chunk: Buffer) => state.heads.observe(chunk));
  }

  /** Past a cap: the connection never reaches the HTTP parser; its first request is answered 503. */
  #refuse(socket: Socket, serverWide: boolean): void {
    socket.on('error', () => socket.destroy());
    const details = serverWide
      ? `The server holds its maximum of ${this.#limits.maxConnections} connections. Retry shortly, or reuse connections.`
      : `This address holds the maximum of ${this.#limits.maxConnectionsPerIp} connections one client may open. Close idle connections and retry.`;
    const answer = (first: Buffer | undefined) => {
      clearTimeout(timer);
      if (!socket.writable) return;
      socket.write(
        rawAnswer({
          status: 503,
          details,
          controlApi: isControlRequest(firstTarget(first)),
          headers: { 'retry-after': '1' },
        }),
      );
      lingeringClose(socket, REFUSED_LINGER_MS);
    };
    const timer = setTimeout(() => answer(undefined), REFUSED_READ_MS);
    timer.unref();
    socket.once('data', (chunk: Buffer) => answer(chunk));
  }

  /**
   * Pipelined requests are served one after another, as RFC 9112 advises for any that is not safe: a request is
   * applied only once the answers before it are out and the connection still stands, so none is applied without
   * being answered, and each sees the effects of those before it.
   */
  #dispatch(request: IncomingMessage, response: ServerResponse): void {
    const state = this.#stateOf(request.socket);
    state.heads.parsed(request.url ?? '');
    // After an answer that closes the connection (Connection: close, a refused body) no answer could be sent.
    if (state.closing) return;
    // Groupgate upgrades to nothing, so it answers such a request as if Upgrade were absent (RFC 9110 lets a server
    // ignore it; `curl --http2` asks for h2c and must still get its answer). But Node's parser reads nothing after
    // a request that asks to upgrade its connection, so a request pipelined behind it would hang unanswered: the
    // connection closes after the answer instead, and the client sends the rest again on a new one.
    if (asksToUpgrade(request)) response.shouldKeepAlive = false;
    const exchange: Exchange = { request, response, started: false };
    state.queue.push(exchange);
    // 'close' follows 'finish' (and comes alone when the connection drops), once the answer was handed over.
    response.once('close', () => this.#settle(state, exchange));
    if (state.queue.length === 1) this.#start(exchange);
  }

  /** From now on, requests on open connections are answered 503 (with the envelope) instead of being served. */
  shutDown(): void {
    this.#shuttingDown = true;
  }

  #start(exchange: Exchange): void {
    exchange.started = true;
    const { request, response } = exchange;
    if (this.#shuttingDown) {
      this.#answer(request, response, {
        status: 503,
        details: 'The server is shutting down. Retry in a moment.',
        controlApi: isControlRequest(request.url),
        headers: { 'retry-after': '1' },
      });
      return;
    }
    const hostProblem = hostHeaderProblem(request);
    if (hostProblem !== undefined) {
      this.#answer(request, response, {
        status: 400,
        details: hostProblem,
        controlApi: isControlRequest(request.url),
      });
      return;
    }
    this.#handler(request, response);
  }

  #settle(state: ConnectionState, exchange: Exchange): void {
    const at = state.queue.indexOf(exchange);
    if (at === -1) return;
    state.queue.splice(at, 1);
    const next = state.queue[0];
    if (next === undefined) {
      const run = state.whenIdle;
      state.whenIdle = undefined;
      run?.();
    } else if (!next.started && !state.closing) {
      this.#start(next);
    }
  }

  /** Answers a request Fastify never sees, through its own response, so it leaves in its turn. */
  #answer(request: IncomingMessage, response: ServerResponse, answer: Answer): void {
    this.#stateOf(request.socket).closing = true;
    const { body, headers } = rendered(answer);
    response.writeHead(answer.status, headers);
    response.end(body);
  }

  /** Answers a request no response object stands for, once the answers before it are out, and closes. */
  #closeWith(socket: Socket, state: ConnectionState, answer: Answer): void {
    state.refused = true;
    const write = () => {
      state.closing = true;
      if (socket.writable) socket.write(rawAnswer(answer));
      lingeringClose(socket);
    };
    if (state.queue.length === 0) write();
    else state.whenIdle = write;
  }
}

function reasonOf(error: Error & { reason?: unknown }): string {
  const reason = typeof error.reason === 'string' ? error.reason : error.message;
  return reason.replace(/\.$/, '');
}
