/**
 * @module control/control-client — Groupgate's control API (`/_groupgate/…`, admin token): sandbox businesses and
 * tokens, simulated WhatsApp users, suspensions, bulk simulations, webhook settings, the delivery log, reset. Its
 * errors use the Graph envelope, so they surface as the SDK's typed errors (NotFoundError, InvalidParameterError,
 * AuthenticationError …). Groupgate only: Meta has no such API.
 */
import type {
  AppWebhookSettings,
  ControlList,
  ControlSuccess,
  CreateSandboxBusinessBody,
  Health,
  IssuedToken,
  IssueTokenBody,
  SandboxBusiness,
  SandboxGroup,
  SetWebhookBody,
  SimulatedCancel,
  SimulatedJoin,
  SimulatedUserOptions,
  SimulatedLeave,
  SimulationStatus,
  StartSimulationBody,
  SuspensionState,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryDetail,
} from '../contract/index.js';
import { GroupsClient } from '../client.js';
import type { CreateGroupInput } from '../resources/groups.js';
import { GraphTransport, type ClientOptions, type Method } from '../transport.js';
import { DEFAULT_WAIT_TIMEOUT_MS, poll, type WaitOptions } from './wait.js';

export interface ControlClientOptions extends Omit<ClientOptions, 'accessToken' | 'apiVersion' | 'baseUrl'> {
  /** The Groupgate server, e.g. `http://127.0.0.1:4004`. */
  baseUrl: string;
  /** The server's admin token (`GROUPGATE_ADMIN_TOKEN`, or the one its banner printed). */
  adminToken: string;
  /** The Graph API version `createGroup` calls. @default 'v23.0' */
  apiVersion?: string;
}

export interface WaitForDeliveryOptions extends WaitOptions {
  /** Only this app's events: cheaper, and the log of a shared server holds other tests' events too. */
  appId?: string;
  groupId?: string;
  /** Between two looks at the log. @default 20 */
  intervalMs?: number;
}

/** The business `createGroup` creates a group for: what `businesses.create()` answers will do. */
export type GroupOwner = Pick<SandboxBusiness, 'access_token' | 'phone_number_id'> &
  Partial<Pick<SandboxBusiness, 'app_id'>>;

/** A group `createGroup` made, known by the id the `group_create` webhook carries. */
export interface CreatedGroup {
  groupId: string;
  inviteLink: string;
  /** The `request_id` the Graph create call answered. */
  requestId: string;
}

/** The newest events the log is read back for on each look (the API's largest page). */
const DELIVERY_SCAN = 500;

const segment = (value: string | number) => encodeURIComponent(String(value));

export class ControlClient {
  readonly baseUrl: string;
  readonly businesses: {
    /** A WABA with one phone number, its app (id and secret) and an access token. */
    create(body?: CreateSandboxBusinessBody): Promise<SandboxBusiness>;
  };
  readonly tokens: {
    /** Another access token for the business; `expires_in` seconds, or never. */
    create(wabaId: string, body?: IssueTokenBody): Promise<IssuedToken>;
    /** Graph calls with it then fail with code 190. */
    revoke(accessToken: string): Promise<ControlSuccess>;
  };
  readonly users: {
    /**
     * A simulated WhatsApp user opens an invite link: a join request, or membership on auto-approve groups.
     * `options`: hide their number, a username, a parent BSUID (their BSUID is always derived).
     */
    join(waId: string, inviteLink: string, options?: SimulatedUserOptions): Promise<SimulatedJoin>;
    /** The user, named by phone number or by BSUID, withdraws their pending join request. */
    cancelJoin(user: string, groupId: string): Promise<SimulatedCancel>;
    /** The participant, named by phone number or by their BSUID with the group's business, leaves the group. */
    leave(user: string, groupId: string): Promise<SimulatedLeave>;
  };
  readonly groups: {
    /** Everything Groupgate knows about a group: participants, invite link, suspension, request id. */
    get(groupId: string): Promise<SandboxGroup>;
    /** WhatsApp suspends the group: Graph calls on it answer 131207. */
    suspend(groupId: string): Promise<SuspensionState>;
    clearSuspension(groupId: string): Promise<SuspensionState>;
  };
  readonly simulations: {
    /** Starts a bulk run of simulated users; answers at once. */
    start(body: StartSimulationBody): Promise<SimulationStatus>;
    get(simulationId: string): Promise<SimulationStatus>;
    stop(simulationId: string): Promise<SimulationStatus>;
  };
  readonly webhooks: {
    /** Sets the app's callback after Meta's hub.challenge handshake with it succeeds. */
    set(appId: string, body: SetWebhookBody): Promise<AppWebhookSettings>;
    get(appId: string): Promise<AppWebhookSettings>;
  };
  readonly deliveries: {
    /** The delivery log, newest first. */
    list(query?: WebhookDeliveriesQuery): Promise<WebhookDelivery[]>;
    /** One event with every attempt made. */
    get(id: number): Promise<WebhookDeliveryDetail>;
    /** Sends the event again now, with the same body. */
    replay(id: number): Promise<ControlSuccess>;
  };

  readonly #transport: GraphTransport;
  readonly #options: ControlClientOptions;

  constructor(options: ControlClientOptions) {
    if (typeof options.adminToken !== 'string' || options.adminToken === '') {
      throw new TypeError('adminToken is required');
    }
    const { adminToken, ...rest } = options;
    this.#options = options;
    this.#transport = new GraphTransport({ ...rest, accessToken: adminToken }, '/_groupgate');
    this.baseUrl = this.#transport.baseUrl;
    const call = this.#call.bind(this);
    this.businesses = {
      create: (body = {}) => call('POST', '/businesses', body),
    };
    this.tokens = {
      create: (wabaId, body = {}) => call('POST', `/businesses/${segment(wabaId)}/tokens`, body),
      revoke: (accessToken) => call('DELETE', `/tokens/${segment(accessToken)}`),
    };
    this.users = {
      join: (waId, inviteLink, options = {}) =>
        call('POST', `/users/${segment(waId)}/join`, { ...options, invite_link: inviteLink }),
      cancelJoin: (user, groupId) =>
        call('POST', `/users/${segment(user)}/cancel_join`, { group_id: groupId }),
      leave: (user, groupId) => call('POST', `/users/${segment(user)}/leave`, { group_id: groupId }),
    };
    this.groups = {
      get: (groupId) => call('GET', `/groups/${segment(groupId)}`),
      suspend: (groupId) => call('POST', `/groups/${segment(groupId)}/suspend`),
      clearSuspension: (groupId) => call('POST', `/groups/${segment(groupId)}/clear_suspension`),
    };
    this.simulations = {
      start: (body) => call('POST', '/simulations', body),
      get: (id) => call('GET', `/simulations/${segment(id)}`),
      stop: (id) => call('DELETE', `/simulations/${segment(id)}`),
    };
    this.webhooks = {
      set: (appId, body) => call('PUT', `/apps/${segment(appId)}/webhook`, body),
      get: (appId) => call('GET', `/apps/${segment(appId)}/webhook`),
    };
    this.deliveries = {
      list: async (query = {}) =>
        (
          await call<ControlList<WebhookDelivery>>(
            'GET',
            '/webhooks/deliveries',
            undefined,
            query as Record<string, string | number | undefined>,
          )
        ).data,
      get: (id) => call('GET', `/webhooks/deliveries/${segment(id)}`),
      replay: (id) => call('POST', `/webhooks/deliveries/${segment(id)}/replay`),
    };
  }

  /** Liveness and the storage backend; needs no token. */
  health(): Promise<Health> {
    return this.#call('GET', '/health');
  }

  /** The control API's OpenAPI 3 document; needs no token. */
  openApiDocument(): Promise<Record<string, unknown>> {
    return this.#call('GET', '/openapi.json');
  }

  /** Empties every table on the server: every business, group and delivery, not only yours. */
  reset(): Promise<ControlSuccess> {
    return this.#call('POST', '/reset');
  }

  /**
   * Resolves with the first event of the delivery log `predicate` accepts, looking again until `timeout` (default
   * 5 s) has passed, then throws WaitTimeoutError. Each look reads the newest 500 events (of `appId` / `groupId`
   * when given). Every event is logged, sent or not: one for an app without a callback URL is `skipped`.
   */
  async waitForDelivery(
    predicate: (delivery: WebhookDelivery) => boolean,
    options: WaitForDeliveryOptions = {},
  ): Promise<WebhookDelivery> {
    const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
    const query: WebhookDeliveriesQuery = {
      limit: DELIVERY_SCAN,
      ...(options.appId !== undefined && { app_id: options.appId }),
      ...(options.groupId !== undefined && { group_id: options.groupId }),
    };
    return poll(
      async () => (await this.deliveries.list(query)).find(predicate),
      'a webhook delivery that matches',
      timeout,
      options.intervalMs ?? 20,
    );
  }

  /**
   * Creates a group as the business would, through the Graph API with its access token, and waits for it to exist.
   * Graph answers only a `request_id`; the group's id and invite link come with the `group_create` event, which
   * the delivery log holds whether or not a callback URL is set.
   */
  async createGroup(
    owner: GroupOwner,
    input: CreateGroupInput,
    options: WaitOptions = {},
  ): Promise<CreatedGroup> {
    const graph = new GroupsClient({
      accessToken: owner.access_token,
      phoneNumberId: owner.phone_number_id,
      baseUrl: this.baseUrl,
      ...(this.#options.apiVersion !== undefined && { apiVersion: this.#options.apiVersion }),
      ...(this.#options.fetch !== undefined && { fetch: this.#options.fetch }),
      ...(this.#options.timeoutMs !== undefined && { timeoutMs: this.#options.timeoutMs }),
    });
    const { request_id: requestId } = await graph.groups.create(input);
    const created = await this.waitForDelivery(
      (delivery) => delivery.type === 'group_create' && delivery.item['request_id'] === requestId,
      { ...options, ...(owner.app_id !== undefined && { appId: owner.app_id }) },
    );
    const errors = created.item['errors'];
    if (Array.isArray(errors) && errors.length > 0) {
      throw new Error(`group ${requestId} was not created: ${JSON.stringify(errors)}`);
    }
    return {
      groupId: created.group_id,
      inviteLink: String(created.item['invite_link'] ?? ''),
      requestId,
    };
  }

  async #call<T>(
    method: Method,
    path: string,
    json?: unknown,
    query?: Record<string, string | number | undefined>,
  ): Promise<T> {
    const { body } = await this.#transport.request<T>({
      method,
      path,
      ...(json !== undefined && { json }),
      ...(query !== undefined && { query }),
    });
    return body;
  }
}
