/**
 * @module control/control-client — Groupgate's control API (`/_groupgate/…`, admin token): sandbox businesses and
 * tokens, simulated WhatsApp users, suspensions, bulk simulations, webhook settings, the delivery log, the request
 * journal, rate limits, the virtual clock, fault rules, reset. Its errors use the Graph envelope, so they surface as
 * the SDK's typed errors (NotFoundError, InvalidParameterError, AuthenticationError …). Groupgate only: Meta has no
 * such API.
 */
import type {
  AppSettings,
  SetAppSettingsBody,
  AppWebhookSettings,
  BusinessLimitsState,
  ClockReading,
  ArmedFailures,
  ArmFailureBody,
  BusinessConditionsState,
  SetBusinessConditionsBody,
  TermsState,
  ControlList,
  ControlPagedList,
  ControlSuccess,
  CreateSandboxBusinessBody,
  FaultRule,
  FaultRuleBody,
  Health,
  IssuedToken,
  IssueTokenBody,
  SandboxBusiness,
  SandboxBusinessesQuery,
  SandboxBusinessSummary,
  SandboxGroup,
  SetBusinessLimitsBody,
  SetWebhookBody,
  SimulatedCancel,
  SimulatedJoin,
  SimulatedUserOptions,
  SimulatedLeave,
  SimulationStatus,
  StartSimulationBody,
  StateDocument,
  SuspensionState,
  RequestsCleared,
  RequestsCount,
  RequestsFilter,
  RequestsPage,
  RequestsQuery,
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
    /** Its simulated conditions: eligibility (131215), paused creation (131214), 206 on partial success. */
    getConditions(wabaId: string): Promise<BusinessConditionsState>;
    /** Changes the conditions named; the others keep their value. */
    setConditions(wabaId: string, body: SetBusinessConditionsBody): Promise<BusinessConditionsState>;
    /** The business's next call of `operation` is accepted, then fails in its webhook (`errors[]`). */
    armFailure(wabaId: string, body: ArmFailureBody): Promise<ArmedFailures>;
    /** The failures armed and not yet used, oldest first. */
    armedFailures(wabaId: string): Promise<ArmedFailures>;
    disarmFailures(wabaId: string): Promise<ArmedFailures>;
    /** One page of the businesses, oldest first (ids and names; never tokens or secrets). */
    list(query?: SandboxBusinessesQuery): Promise<ControlPagedList<SandboxBusinessSummary>>;
    /** Every business, following the pages. */
    listAll(): Promise<SandboxBusinessSummary[]>;
    /**
     * Deletes the business and all it owns (tokens, groups, requests, participants, webhook settings, deliveries);
     * the others are untouched. A per-test or per-worker clean-up that needs no global reset.
     */
    delete(wabaId: string): Promise<ControlSuccess>;
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
    /** Whether the user accepted WhatsApp's new terms; while not, approving them fails with 131203. */
    setTermsAccepted(waId: string, accepted: boolean): Promise<TermsState>;
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
  readonly apps: {
    /** The app's Graph settings: appsecret_proof required, the default API version. */
    getSettings(appId: string): Promise<AppSettings>;
    /** Changes only the settings sent; `default_api_version: null` returns to v23.0. */
    setSettings(appId: string, body: SetAppSettingsBody): Promise<AppSettings>;
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

  readonly state: {
    /**
     * The state document (docs/state.md): every business, or with `wabaId` that one, with tokens and app secrets
     * (treat it as a secret).
     */
    export(options?: { wabaId?: string }): Promise<StateDocument>;
    /**
     * Replaces the state with the document, all or nothing (an InvalidParameterError names the bad field). With
     * `wabaId`, the document holds that one business and only it is replaced: a per-worker fixture.
     */
    import(document: StateDocument, options?: { wabaId?: string }): Promise<ControlSuccess>;
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
      getConditions: (wabaId) => call('GET', `/businesses/${segment(wabaId)}/conditions`),
      setConditions: (wabaId, body) => call('PUT', `/businesses/${segment(wabaId)}/conditions`, body),
      armFailure: (wabaId, body) => call('POST', `/businesses/${segment(wabaId)}/failures`, body),
      armedFailures: (wabaId) => call('GET', `/businesses/${segment(wabaId)}/failures`),
      disarmFailures: (wabaId) => call('DELETE', `/businesses/${segment(wabaId)}/failures`),
      list: (query = {}) =>
        call('GET', '/businesses', undefined, query as Record<string, string | number | undefined>),
      listAll: async () => {
        const all: SandboxBusinessSummary[] = [];
        let after: string | undefined;
        do {
          const page = await this.businesses.list({ limit: 500, ...(after !== undefined && { after }) });
          all.push(...page.data);
          after = page.paging.cursors.after;
        } while (after !== undefined);
        return all;
      },
      delete: (wabaId) => call('DELETE', `/businesses/${segment(wabaId)}`),
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
      setTermsAccepted: (waId, accepted) => call('PUT', `/users/${segment(waId)}/terms`, { accepted }),
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
    this.apps = {
      getSettings: (appId) => call('GET', `/apps/${segment(appId)}/settings`),
      setSettings: (appId, body) => call('PUT', `/apps/${segment(appId)}/settings`, body),
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
    const wabaQuery = (options: { wabaId?: string } = {}) =>
      options.wabaId === undefined ? undefined : { waba_id: options.wabaId };
    this.state = {
      export: (options) => call('GET', '/state', undefined, wabaQuery(options)),
      import: (document, options) => call('PUT', '/state', document, wabaQuery(options)),
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

  /**
   * The business's rate limits in force (null: off) and their use now: `group_operations` (Meta's 131208),
   * `waba_calls` (80007) and `app_calls` (Graph's code 4), each with `max`, `per_seconds`, `used` and `regain_at`.
   */
  limits(wabaId: string): Promise<BusinessLimitsState> {
    return this.#call('GET', `/businesses/${segment(wabaId)}/limits`);
  }

  /**
   * Replaces the business's rate limits, each `{max, per_seconds}` in a sliding window, and starts its windows
   * afresh. A budget left out takes the server's default (`--group-rate-limit` for group operations, off for the
   * call budgets); `null` turns it off; `{}` goes back to the defaults.
   */
  setLimits(wabaId: string, limits: SetBusinessLimitsBody): Promise<BusinessLimitsState> {
    return this.#call('PUT', `/businesses/${segment(wabaId)}/limits`, limits);
  }

  /**
   * Adds a fault rule to the server (the instance this client reaches): a `match`, one effect (`error`, `delay_ms`,
   * `network`; for `on: 'webhook'` rules `webhook` or `delay_ms`), and `times` / `after` / `probability` + `seed`.
   */
  addFault(rule: FaultRuleBody): Promise<FaultRule> {
    return this.#call('POST', '/faults', rule);
  }

  /** The server's fault rules, oldest first, with how often each matched (`matched`) and fired (`hits`). */
  async faults(): Promise<FaultRule[]> {
    return (await this.#call<ControlList<FaultRule>>('GET', '/faults')).data;
  }

  removeFault(id: string): Promise<ControlSuccess> {
    return this.#call('DELETE', `/faults/${segment(id)}`);
  }

  clearFaults(): Promise<ControlSuccess> {
    return this.#call('DELETE', '/faults');
  }

  /** The virtual clock every time the server reads comes from (creation timestamps, token expiry, webhook retries). */
  clock(): Promise<ClockReading> {
    return this.#call('GET', '/clock');
  }

  /**
   * Moves the clock forward by `seconds` (> 0, fractions allowed, at most ten years): tokens past their expiry
   * then fail with 190/463, and webhook retries it moves past are sent at once. A frozen clock stays frozen.
   */
  advanceClock(seconds: number): Promise<ClockReading> {
    return this.#call('POST', '/clock/advance', { seconds });
  }

  /**
   * Stops time: at `at` (a Date, or Unix seconds; not before the clock's current second), or at this instant. Every
   * instance of the server reads the same frozen time until the clock is advanced or reset.
   */
  freezeClock(at?: Date | number): Promise<ClockReading> {
    const frozenAt = at instanceof Date ? Math.floor(at.getTime() / 1000) : at;
    return this.#call('PUT', '/clock', frozenAt === undefined ? {} : { frozen_at: frozenAt });
  }

  /** Back to real time: no offset, running. The one way the clock moves back. */
  resetClock(): Promise<ClockReading> {
    return this.#call('DELETE', '/clock');
  }

  /**
   * Empties every table on the server: every business, group and delivery, not only yours; the clock goes back to
   * real time.
   */
  reset(): Promise<ControlSuccess> {
    return this.#call('POST', '/reset');
  }

  /**
   * One page of the request journal: the Graph calls the server answered, refused ones too, newest first, with
   * tokens and secrets redacted. Pass `paging.cursors.after` back as `after` for older ones.
   */
  requests(query: RequestsQuery = {}): Promise<RequestsPage> {
    return this.#call('GET', '/requests', undefined, query as Record<string, string | number | undefined>);
  }

  /**
   * How many journal entries match: for assertions such as
   * `countRequests({ group_id, method: 'POST', edge: 'join_requests', status: 200 })` === 3.
   */
  async countRequests(filter: RequestsFilter = {}): Promise<number> {
    const { count } = await this.#call<RequestsCount>(
      'GET',
      '/requests/count',
      undefined,
      filter as Record<string, string | number | undefined>,
    );
    return count;
  }

  /** Empties the request journal (every instance's: they share it). */
  clearRequests(): Promise<RequestsCleared> {
    return this.#call('DELETE', '/requests');
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
