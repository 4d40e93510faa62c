import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { groupIdFor, joinRequestIdFor } from './ids.js';
import { STATE_SCHEMA } from './state-schema.js';
import { parentBsuidFor, userIdentity } from './users.js';
import { documentFromSnapshot, documentPath, snapshotFromDocument, type StateDocument } from './state.js';

const NOW = 1_790_000_000;

describe('state document', () => {
  it('is documented by docs/state.schema.json, which is this schema written out', () => {
    const written: unknown = JSON.parse(
      readFileSync(new URL('../../docs/state.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(written, JSON.parse(JSON.stringify(STATE_SCHEMA)));
  });

  for (const [pointer, path] of [
    ['', ''],
    ['/businesses', 'businesses'],
    ['/businesses/0/groups/2/participants/1/wa_id', 'businesses[0].groups[2].participants[1].wa_id'],
    ['/next_keys/group', 'next_keys.group'],
  ] as const) {
    it(`names ${pointer || 'the root'} as ${path || '""'}`, () => assert.equal(documentPath(pointer), path));
  }

  it('fills what a hand-written document leaves out, deriving ids as Groupgate mints them', () => {
    const doc: StateDocument = {
      groupgate_state: 1,
      businesses: [
        {
          waba_id: '102290129340398',
          phone_number_id: '106540352242922',
          phone_number: '15550100001',
          groups: [
            {
              subject: 'S',
              group_number: '120363000000000001',
              participants: ['16505550001'],
              join_requests: [{ wa_id: '16505550002' }, { wa_id: '16505550003', status: 'approved' }],
            },
          ],
        },
      ],
    };
    const result = snapshotFromDocument(doc, NOW, NOW * 1000);
    assert.ok('snapshot' in result);
    const [business] = result.snapshot.businesses;
    assert.deepEqual(business?.tokens, []);
    assert.equal(business?.webhook, null);
    assert.equal(business?.createdAt, NOW);
    const group = business?.groups[0];
    assert.equal(group?.groupId, groupIdFor('15550100001', '120363000000000001'));
    assert.deepEqual(group?.participants, [
      { user: userIdentity('102290129340398', '16505550001'), joinedAt: NOW },
    ]);
    assert.equal(
      group?.joinRequests[0]?.joinRequestId,
      joinRequestIdFor('16505550002', '120363000000000001'),
    );
    assert.equal(group?.joinRequests[0]?.decidedAt, null);
    assert.equal(group?.joinRequests[1]?.decidedAt, NOW, 'a decided request defaults to deciding when made');
    assert.equal(group?.inviteLinkActive, true);
    assert.deepEqual(business?.limits, {}, 'every budget at its default');
    assert.equal(business?.requireAppsecretProof, false);
    assert.equal(business?.defaultApiVersion, null);
  });

  it('carries limits, app settings and how users present themselves, and writes them back', () => {
    const doc: StateDocument = {
      groupgate_state: 1,
      businesses: [
        {
          waba_id: '1',
          phone_number_id: '2',
          app: { require_appsecret_proof: true, default_api_version: 'v24.0' },
          limits: { group_operations: null, waba_calls: { max: 5, per_seconds: 60 } },
          groups: [
            {
              subject: 'S',
              participants: [
                { wa_id: '16505550001', hide_phone_number: true, username: 'ana.b', parent_user_id: true },
              ],
              join_requests: [{ wa_id: '16505550002', parent_user_id: 'US.ENT.42' }],
            },
          ],
        },
      ],
    };
    const result = snapshotFromDocument(doc, NOW, NOW * 1000);
    assert.ok('snapshot' in result);
    const [business] = result.snapshot.businesses;
    assert.deepEqual(business?.limits, { group_operations: null, waba_calls: { max: 5, perSeconds: 60 } });
    assert.equal(business?.requireAppsecretProof, true);
    assert.equal(business?.defaultApiVersion, 'v24.0');
    const [participant] = business?.groups[0]?.participants ?? [];
    assert.deepEqual(
      participant?.user,
      userIdentity('1', '16505550001', { hidePhoneNumber: true, username: 'ana.b', parentUserId: true }),
    );
    assert.equal(
      participant?.user.parentUserId,
      parentBsuidFor('16505550001'),
      'true derives the user’s own',
    );

    const written = documentFromSnapshot(result.snapshot, NOW);
    const [back] = written.businesses;
    assert.deepEqual(back?.limits, doc.businesses[0]?.limits);
    assert.equal(back?.app?.require_appsecret_proof, true);
    assert.equal(back?.app?.default_api_version, 'v24.0');
    assert.deepEqual(back?.groups?.[0]?.participants, [
      {
        wa_id: '16505550001',
        joined_at: NOW,
        hide_phone_number: true,
        username: 'ana.b',
        parent_user_id: parentBsuidFor('16505550001'),
      },
    ]);
    const [request] = back?.groups?.[0]?.join_requests ?? [];
    assert.equal(request?.parent_user_id, 'US.ENT.42');
    assert.equal(request?.hide_phone_number, undefined, 'a default is left out');
    assert.equal(request?.username, undefined);
  });

  it('refuses a participant who also has a pending request, naming where', () => {
    const result = snapshotFromDocument(
      {
        groupgate_state: 1,
        businesses: [
          {
            waba_id: '1',
            phone_number_id: '2',
            groups: [
              { subject: 'G', participants: ['16505550001'], join_requests: [{ wa_id: '16505550001' }] },
            ],
          },
        ],
      },
      NOW,
      NOW * 1000,
    );
    assert.ok('problems' in result);
    assert.equal(result.problems[0]?.path, 'businesses[0].groups[0].join_requests[0].wa_id');
    assert.match(result.problems[0]?.message ?? '', /is a participant of the group \(participants\[0\]\)/);
  });

  it('refuses a default_api_version Graph never published, naming where', () => {
    const result = snapshotFromDocument(
      {
        groupgate_state: 1,
        businesses: [{ waba_id: '1', phone_number_id: '2', app: { default_api_version: 'v99.0' } }],
      },
      NOW,
      NOW * 1000,
    );
    assert.ok('problems' in result);
    assert.equal(result.problems[0]?.path, 'businesses[0].app.default_api_version');
    assert.match(result.problems[0]?.message ?? '', /v99\.0 is not a Graph API version/);
  });

  it('reads back from its own rendering unchanged', () => {
    const first = snapshotFromDocument(
      {
        groupgate_state: 1,
        businesses: [{ waba_id: '1', phone_number_id: '2', groups: [{ subject: 'S' }] }],
      },
      NOW,
      NOW * 1000,
    );
    assert.ok('snapshot' in first);
    const again = snapshotFromDocument(documentFromSnapshot(first.snapshot, NOW), NOW + 5, NOW * 1000);
    assert.ok('snapshot' in again);
    assert.deepEqual(again.snapshot, first.snapshot);
  });

  const twice: [string, StateDocument, string][] = [
    [
      'a WABA id',
      {
        groupgate_state: 1,
        businesses: [
          { waba_id: '1', phone_number_id: '2' },
          { waba_id: '1', phone_number_id: '3' },
        ],
      },
      'businesses[1].waba_id',
    ],
    [
      'a token',
      {
        groupgate_state: 1,
        businesses: [
          { waba_id: '1', phone_number_id: '2', tokens: [{ token: 'EAAGsecretvalue' }] },
          { waba_id: '4', phone_number_id: '3', tokens: [{ token: 'EAAGsecretvalue' }] },
        ],
      },
      'businesses[1].tokens[0].token',
    ],
    [
      'a participant',
      {
        groupgate_state: 1,
        businesses: [
          {
            waba_id: '1',
            phone_number_id: '2',
            groups: [{ subject: 's', participants: ['16505550001', '16505550001'] }],
          },
        ],
      },
      'businesses[0].groups[0].participants[1]',
    ],
    [
      'a pending request',
      {
        groupgate_state: 1,
        businesses: [
          {
            waba_id: '1',
            phone_number_id: '2',
            groups: [{ subject: 's', join_requests: [{ wa_id: '16505550001' }, { wa_id: '16505550001' }] }],
          },
        ],
      },
      'businesses[0].groups[0].join_requests[1].join_request_id',
    ],
    [
      'a group key',
      {
        groupgate_state: 1,
        businesses: [
          {
            waba_id: '1',
            phone_number_id: '2',
            groups: [
              { subject: 's', key: 3 },
              { subject: 't', key: 3 },
            ],
          },
        ],
      },
      'businesses[0].groups[1].key',
    ],
  ];
  for (const [what, doc, path] of twice) {
    it(`refuses ${what} used twice, naming where`, () => {
      const result = snapshotFromDocument(doc, NOW, NOW * 1000);
      assert.ok('problems' in result);
      assert.equal(result.problems[0]?.path, path);
      if (what === 'a token') {
        assert.doesNotMatch(result.problems[0]?.message ?? '', /EAAG/, 'a token is never echoed in an error');
      }
    });
  }
});
