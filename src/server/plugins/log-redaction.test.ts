/**
 * Log lines lose every credential, however the client spelled it: the router and the query parser decode what
 * they read, so a token reaches Groupgate under many spellings and a log line carries the one sent.
 * (test/e2e/cli-serve.test.ts sends these to a running server and reads its log.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newAccessToken, newAdminToken } from '../../domain/ids.js';
import { REDACTED, redactSecrets } from './log-redaction.js';

const token = newAccessToken();
const admin = newAdminToken();
const secret = 'operator-chosen-secret';

describe('redactSecrets', () => {
  const lines: string[] = [
    `GET /v23.0/1?access_token=${secret}`,
    `GET /v23.0/1?access%5Ftoken=${secret}`,
    `GET /v23.0/1?%61ccess_token=${secret}`,
    `GET /v23.0/1?ACCESS%5fTOKEN=${secret}`,
    `GET /v23.0/1?access_token[]=${secret}`,
    `GET /v23.0/1?access_token[0]=${secret}`,
    `GET /v23.0/1?access_token%5B%5D=${secret}`,
    `GET /v23.0/1?limit=2&access_token=${secret}&after=x`,
    `POST /v23.0/1 appsecret_proof=${secret}`,
    `GET /hook?hub.mode=subscribe&hub.verify_token=${secret}`,
    `DELETE /_groupgate/tokens/${secret}`,
    `DELETE /_groupgate/%74okens/${secret}`,
    `DELETE /%5Fgroupgate/tokens/${secret}`,
    `DELETE /_groupgate/tokens//${secret}`,
    `DELETE //_groupgate//tokens/${secret}?x=1`,
    `DELETE /_groupgate%2Ftokens%2F${secret}`,
    `{"msg":"Authorization: Bearer ${secret}"}`,
    `{"body":{"access_token":"${secret}"}}`,
    `{"msg":"{\\"verify_token\\":\\"${secret}\\"}"}`,
    `postgres://groupgate:${secret}@db/gg`,
    `postgres://db/gg?password=${secret}`,
  ];
  for (const line of lines) {
    it(`censors ${line}`, () => {
      const redacted = redactSecrets(line);
      assert.doesNotMatch(redacted, new RegExp(secret), redacted);
      assert.match(redacted, new RegExp(REDACTED.replace(/[[\]]/g, '\\$&')));
    });
  }

  it("censors anything shaped like Groupgate's tokens, anywhere, encoded or not", () => {
    const encoded = [...token].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
    for (const line of [`unknown field ${token}`, `/v23.0/${token}`, `x=${encoded}`, `"${admin}"`]) {
      assert.equal(redactSecrets(line).includes(token) || redactSecrets(line).includes(admin), false, line);
      assert.doesNotMatch(redactSecrets(line), /EAAG|ggadmin_|%45%41/i, line);
    }
  });

  it('leaves the rest of a line as it was', () => {
    const line = '{"req":{"url":"/v23.0/123/join_requests?limit=2&after=QVFI%3D"},"msg":"incoming request"}';
    assert.equal(redactSecrets(line), line);
  });
});
