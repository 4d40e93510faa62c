/**
 * @module server/control/simulation-routes — what WhatsApp users and WhatsApp itself do to a group, beyond joining:
 * a participant leaves, WhatsApp suspends a group or clears it, and bulk runs of users joining.
 */
import type {
  SimulatedLeave,
  SimulatedUserActionBody,
  StartSimulationBody,
  SuspensionState,
} from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { ControlDependencies } from './dependencies.js';
import { MIN_RATE_PER_SECOND, Simulations, type SimulationRequest } from './bulk-simulation.js';
import { controlError, simulateLeave, simulateSuspension } from './sandbox.js';
import { ERROR_RESPONSE, GROUP_ID_BODY, SECURED, TAGS, USER_PARAMS } from './schemas.js';

const GROUP_ID_PARAMS = { type: 'object', properties: { group_id: { type: 'string' } } };
const SUSPENSION_RESPONSE = {
  200: { type: 'object', properties: { group_id: { type: 'string' }, suspended: { type: 'boolean' } } },
  '4xx': ERROR_RESPONSE,
};
const SIMULATION = {
  type: 'object',
  properties: {
    simulation_id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'finished', 'stopped'] },
    users: { type: 'integer' },
    requested: { type: 'integer', description: 'Users who now have a pending join request.' },
    joined: { type: 'integer', description: 'Users who joined an auto-approve group.' },
    failed: { type: 'integer' },
    failures: {
      type: 'array',
      items: { type: 'object', properties: { message: { type: 'string' }, count: { type: 'integer' } } },
    },
    started_at: { type: 'integer', description: 'Unix milliseconds.' },
    finished_at: { type: ['integer', 'null'] },
  },
};

export function registerSimulationRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store, clock } = deps;
  const simulations = new Simulations(store, clock, deps.clockMs, deps.maxParticipants);
  app.addHook('onClose', async () => simulations.stopAll());

  app.post(
    '/users/:wa_id/leave',
    {
      schema: {
        tags: TAGS,
        summary:
          'A simulated participant, named by phone number or by BSUID, leaves the group (webhook group_participants_remove, initiated_by participant). Unlike a user the business removed, they may join again.',
        security: SECURED,
        params: USER_PARAMS,
        body: GROUP_ID_BODY,
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { wa_id: waId } = request.params as { wa_id: string };
      const { group_id: groupId } = request.body as SimulatedUserActionBody;
      await simulateLeave(store, waId, groupId, clock(), deps.clockMs());
      return { status: 'left' } satisfies SimulatedLeave;
    },
  );

  for (const [path, suspended, summary] of [
    [
      '/groups/:group_id/suspend',
      true,
      'WhatsApp suspends the group: Graph calls on it answer 131207 (HTTP 403), GroupInfo shows suspended: true, and a group_suspend webhook is sent.',
    ],
    [
      '/groups/:group_id/clear_suspension',
      false,
      'WhatsApp clears the suspension (webhook group_suspend_cleared).',
    ],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          tags: TAGS,
          summary,
          security: SECURED,
          params: GROUP_ID_PARAMS,
          response: SUSPENSION_RESPONSE,
        },
      },
      async (request) => {
        const { group_id: groupId } = request.params as { group_id: string };
        const group = await simulateSuspension(store, groupId, suspended, clock(), deps.clockMs());
        return { group_id: group.groupId, suspended: group.suspended } satisfies SuspensionState;
      },
    );
  }

  app.post(
    '/simulations',
    {
      schema: {
        tags: TAGS,
        summary:
          'Start a bulk run: `users` simulated users open the invite links of `group_ids` in turn, at `rate_per_second` (0: as fast as possible). Answers at once; follow the run with GET /simulations/{id}.',
        security: SECURED,
        body: {
          type: 'object',
          required: ['group_ids', 'users'],
          additionalProperties: false,
          properties: {
            group_ids: {
              type: 'array',
              minItems: 1,
              maxItems: 10_000,
              items: { type: 'string', minLength: 1 },
            },
            users: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            rate_per_second: {
              type: 'number',
              minimum: 0,
              maximum: 100_000,
              default: 0,
              description: `Users per second: 0 (as fast as possible), or from ${MIN_RATE_PER_SECOND} (one user every ${1 / MIN_RATE_PER_SECOND} s) to 100000.`,
            },
            country_code: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', default: '1' },
            hidden_phone_share: {
              type: 'number',
              minimum: 0,
              maximum: 1,
              default: 0,
              description:
                'Share of the users who hide their number behind a username (user<wa_id>): their items carry user_id and username, no wa_id. Spread evenly: user i does when floor((i+1)*share) > floor(i*share).',
            },
            parent_user_id_share: {
              type: 'number',
              minimum: 0,
              maximum: 1,
              default: 0,
              description:
                'Share of the users who carry a parent BSUID (parent_user_id), spread the same way.',
            },
          },
        },
        response: { 202: SIMULATION, '4xx': ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      // The schema's defaults fill the optional fields in.
      const body = request.body as Required<StartSimulationBody>;
      // A rate so low that the pause between two users overflows a timer (Node then fires it at once): 1e-9 had
      // all users join within milliseconds.
      if (body.rate_per_second > 0 && body.rate_per_second < MIN_RATE_PER_SECOND) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          `Param rate_per_second must be 0 (as fast as possible) or at least ${MIN_RATE_PER_SECOND}`,
        );
      }
      const run: SimulationRequest = {
        groupIds: body.group_ids,
        users: body.users,
        ratePerSecond: body.rate_per_second,
        countryCode: body.country_code,
        hiddenPhoneShare: body.hidden_phone_share,
        parentUserIdShare: body.parent_user_id_share,
      };
      return reply.code(202).send(await simulations.start(run));
    },
  );

  const simulationById = (id: string, action: (id: string) => ReturnType<Simulations['get']>) => {
    const status = action(id);
    if (status === undefined)
      throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No simulation ${id} on this instance.`);
    return status;
  };
  const SIMULATION_PARAMS = { type: 'object', properties: { id: { type: 'string' } } };
  app.get(
    '/simulations/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Progress of a bulk run.',
        security: SECURED,
        params: SIMULATION_PARAMS,
        response: { 200: SIMULATION, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => simulationById((request.params as { id: string }).id, (id) => simulations.get(id)),
  );
  app.delete(
    '/simulations/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Stop a bulk run; users already simulated stay.',
        security: SECURED,
        params: SIMULATION_PARAMS,
        response: { 200: SIMULATION, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => simulationById((request.params as { id: string }).id, (id) => simulations.stop(id)),
  );
}
