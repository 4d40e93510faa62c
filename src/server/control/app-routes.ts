/**
 * @module server/control/app-routes — an app's Graph settings, as Meta's App Dashboard has them: "Require app
 * secret" (every Graph call must carry `appsecret_proof`) and the default API version unversioned calls get.
 */
import type { FastifyInstance } from 'fastify';
import type { AppSettings, SetAppSettingsBody } from '@groupgate/sdk/contract';
import { DEFAULT_API_VERSION, isPublishedVersion } from '../../domain/api-versions.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { BusinessRecord } from '../../domain/records.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError, findAppOrFail } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const APP_PARAMS = { type: 'object', properties: { app_id: { type: 'string' } } };
const SETTINGS = {
  type: 'object',
  properties: {
    app_id: { type: 'string' },
    require_appsecret_proof: { type: 'boolean' },
    default_api_version: { type: 'string' },
  },
};

function render(business: BusinessRecord): AppSettings {
  return {
    app_id: business.appId,
    require_appsecret_proof: business.requireAppsecretProof,
    default_api_version: business.defaultApiVersion ?? DEFAULT_API_VERSION,
  };
}

export function registerAppRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store } = deps;
  const appOrFail = (appId: string) => findAppOrFail(store, appId);

  app.get(
    '/apps/:app_id/settings',
    {
      schema: {
        tags: TAGS,
        summary: "The app's Graph settings: appsecret_proof required, default API version.",
        security: SECURED,
        params: APP_PARAMS,
        response: { 200: SETTINGS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => render(await appOrFail((request.params as { app_id: string }).app_id)),
  );

  app.put(
    '/apps/:app_id/settings',
    {
      schema: {
        tags: TAGS,
        summary: "Changes the app's Graph settings; only the settings sent change.",
        security: SECURED,
        params: APP_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            require_appsecret_proof: { type: 'boolean' },
            default_api_version: { type: ['string', 'null'] },
          },
        },
        response: { 200: SETTINGS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { app_id: appId } = request.params as { app_id: string };
      const body = request.body as SetAppSettingsBody;
      const version = body.default_api_version;
      if (typeof version === 'string' && !isPublishedVersion(version)) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          `Param default_api_version must be a Graph API version such as ${DEFAULT_API_VERSION}`,
        );
      }
      await appOrFail(appId);
      await store.setAppSettings(appId, {
        ...(body.require_appsecret_proof !== undefined && {
          requireAppsecretProof: body.require_appsecret_proof,
        }),
        ...(version !== undefined && { defaultApiVersion: version }),
      });
      return render(await appOrFail(appId));
    },
  );
}
