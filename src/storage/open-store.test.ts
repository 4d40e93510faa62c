/** The start-up banner names where the state lives, and never a credential of the connection string. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeLocation, redactConnectionString } from './open-store.js';

it('masks the password of user:password@ and every credential parameter of a PostgreSQL URL', () => {
  const cases: [string, string][] = [
    ['postgres://gg:hunter2@db:5432/gg', 'postgres://gg:***@db:5432/gg'],
    ['postgres://gg@db/gg?password=hunter2', 'postgres://gg@db/gg?password=***'],
    [
      'postgresql://db/gg?user=gg&PASSWORD=hunter2&sslpassword=hunter2&sslmode=require',
      'postgresql://db/gg?user=gg&PASSWORD=***&sslpassword=***&sslmode=require',
    ],
    ['host=db user=gg password=hunter2 dbname=gg', 'host=db user=gg password=*** dbname=gg'],
    ["host=db password='hunter2 with spaces' dbname=gg", 'host=db password=*** dbname=gg'],
  ];
  for (const [raw, shown] of cases) {
    assert.equal(redactConnectionString(raw), shown);
    const banner = describeLocation({ databasePath: 'x', databaseUrl: raw, databaseSchema: 'tenant' });
    assert.doesNotMatch(banner, /hunter2/);
    assert.equal(banner, `PostgreSQL: ${shown} (schema tenant)`);
  }
});
