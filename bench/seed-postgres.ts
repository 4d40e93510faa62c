/**
 * Seeds a PostgreSQL schema for the benchmark: the business, token and groups through the real Store (so their ids
 * are minted as in production), then the join requests in one INSERT … SELECT that builds the same ids and wire
 * JSON the Store would — a million requests one transaction at a time would take minutes.
 */
import pg from 'pg';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.js';
import { seedGroups, type Seeded } from './seed.js';

export async function seedPostgres(
  connectionString: string,
  schema: string,
  total: number,
  groups: number,
  deepPages: number,
): Promise<Seeded> {
  const store = await openPostgresStore({ connectionString, schema });
  const { business, accessToken, deep, shallow, perShallowGroup, now } = await seedGroups(
    store,
    total,
    groups,
    deepPages,
  );
  await store.close();
  const deepCount = total - perShallowGroup * shallow.length;
  const started = Date.now();
  const client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    // wa_ids are unique per group; ids are base64("<wa_id>:<group number>") with Facebook's Z escape, as minted.
    await client.query(
      `INSERT INTO join_requests (group_pk, join_request_id, wa_id, status, created_at, wire_json)
       SELECT g.pk, i.id, w.wa, 'pending', $1::bigint,
              '{"join_request_id":"' || i.id || '","wa_id":"' || w.wa || '","creation_timestamp":' || $5::text || '}'
       FROM groups g
       CROSS JOIN LATERAL generate_series(1, CASE WHEN g.pk = $2::bigint THEN $3::int ELSE $4::int END) AS n
       CROSS JOIN LATERAL (SELECT (10000000000 + n)::text AS wa) AS w
       CROSS JOIN LATERAL (SELECT replace(replace(encode(convert_to(w.wa || ':' || g.group_number, 'UTF8'), 'base64'),
                                  'Z', 'ZA'), '=', 'ZD') AS id) AS i
       ORDER BY g.pk, n`,
      [now, deep.pk, deepCount, perShallowGroup, String(now)],
    );
    await client.query('VACUUM ANALYZE join_requests');
  } finally {
    await client.end();
  }
  process.stdout.write(
    `seeded ${deepCount + perShallowGroup * shallow.length} join requests in PostgreSQL in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return { business, accessToken, deep, shallow, perShallowGroup };
}
