/**
 * A client generated from Meta's OpenAPI document, driven against Groupgate: the types are generated from
 * `../shared` with openapi-typescript, the session (session.ts) is type-checked against them — so every request it
 * makes is one the spec allows — and run with openapi-fetch over HTTP. Every answer must match the spec, and every
 * spec-valid request must succeed unless a decision in docs/decisions.md says why Groupgate refuses it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse } from 'yaml';
import { startGroupgate, type Groupgate } from '../../src/index.js';
import {
  assertMatchesMetaSpec,
  assertRequestMatchesMetaSpec,
  type SpecPath,
} from '../../src/testing/meta-spec.js';
import { META_SPEC_PATH, REPO_ROOT, metaSpecAvailable } from '../../src/testing/shared-dir.js';
import type { SessionCall, SessionTarget } from './session-types.js';

const HERE = join(REPO_ROOT, 'test/spec-client');

/**
 * Spec-valid requests Groupgate refuses on purpose, each with the words of the decision in docs/decisions.md that
 * explains it. A refusal not listed here fails the test.
 */
const DECIDED_REFUSALS: Record<string, string> = {
  'post /{Version}/{group_id}/participants': '`POST /participants` (spec-only',
};

/** The smallest JPEG a decoder reads: SOI, JFIF APP0, a baseline SOF0 with the size, EOI. */
function squareJpeg(size: number): Uint8Array<ArrayBuffer> {
  const app0 = [
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  ];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, size >> 8, size & 255, size >> 8, size & 255, 0x03];
  const components = [0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return Uint8Array.from([0xff, 0xd8, ...app0, 0x00, 0x00, ...sof, ...components, 0xff, 0xd9]);
}

/** Every operation of the spec's Groups paths, as `method path`: the session must call each of them. */
function groupsOperationsOfTheSpec(): string[] {
  const spec = parse(readFileSync(META_SPEC_PATH, 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(spec.paths)
    .filter(([path]) => path.includes('{group_id}') || path.endsWith('/groups'))
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'delete', 'put', 'patch'].includes(method))
        .map((method) => `${method} ${path}`),
    );
}

async function generateSpecTypes(): Promise<void> {
  const ast = await openapiTS(pathToFileURL(META_SPEC_PATH));
  mkdirSync(join(HERE, 'generated'), { recursive: true });
  writeFileSync(join(HERE, 'generated/meta-paths.d.ts'), astToString(ast));
}

describe('a client generated from Meta’s OpenAPI document', { skip: !metaSpecAvailable() }, () => {
  let groupgate: Groupgate;
  let calls: SessionCall[] = [];

  before(async () => {
    await generateSpecTypes();
    groupgate = await startGroupgate();
  });
  after(async () => groupgate?.close());

  it('type-checks: every request of the session is one the spec allows', () => {
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(HERE, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    assert.equal(
      result.status,
      0,
      `tsc found requests the spec does not allow:\n${result.stdout}${result.stderr}`,
    );
  });

  it('runs every Groups path; each answer matches the spec, and nothing spec-valid is refused undecided', async () => {
    const business = await groupgate.control.businesses.create();
    const target: SessionTarget = {
      baseUrl: groupgate.url,
      accessToken: business.access_token,
      phoneNumberId: business.phone_number_id,
      join: async (waId, inviteLink) => {
        await groupgate.control.users.join(waId, inviteLink);
      },
      picture: squareJpeg(640),
    };
    // The session is loaded at run time: the project's type-check excludes it (its types are generated here).
    const session = (await import(pathToFileURL(join(HERE, 'session.ts')).href)) as {
      runSpecClientSession(target: SessionTarget): Promise<SessionCall[]>;
    };
    calls = await session.runSpecClientSession(target);

    const decisions = readFileSync(join(REPO_ROOT, 'docs/decisions.md'), 'utf8');
    const covered = new Set<string>();
    for (const call of calls) {
      const name = `${call.method} ${call.specPath}`;
      covered.add(name);
      if (call.requestBody !== undefined && call.requestContentType === 'application/json') {
        assertRequestMatchesMetaSpec(
          call.specPath as SpecPath,
          call.method,
          'application/json',
          call.requestBody,
        );
      }
      assertMatchesMetaSpec(call.specPath as SpecPath, call.method, call.status, call.body);
      if (call.status >= 400) {
        const decision = DECIDED_REFUSALS[name];
        assert.ok(
          decision !== undefined,
          `${name.toUpperCase()} was refused with ${call.status}: ${JSON.stringify(call.body)}`,
        );
        assert.ok(decisions.includes(decision), `docs/decisions.md no longer explains refusing ${name}`);
      }
    }
    for (const operation of groupsOperationsOfTheSpec()) {
      assert.ok(covered.has(operation), `the session never called ${operation.toUpperCase()}`);
    }
  });
});
