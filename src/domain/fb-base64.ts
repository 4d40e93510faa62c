/**
 * @module domain/fb-base64 — base64 as Facebook writes it in ids and cursors: `Z` becomes `ZA` and `=` becomes
 * `ZD`, so an id never carries padding (reference §1.12: the docs' group ids and cursors decode this way).
 */

export function fbBase64Encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64').replace(/Z/g, 'ZA').replace(/=/g, 'ZD');
}

/** Returns undefined for anything that is not a well-formed escaped base64 string. */
export function fbBase64Decode(encoded: string): string | undefined {
  if (encoded.length === 0 || encoded.length > 4096 || !/^[A-Za-z0-9+/]+$/.test(encoded)) return undefined;
  let base64 = '';
  for (let i = 0; i < encoded.length; i++) {
    const ch = encoded[i];
    if (ch !== 'Z') {
      base64 += ch;
      continue;
    }
    const next = encoded[++i];
    if (next === 'A') base64 += 'Z';
    else if (next === 'D') base64 += '=';
    else return undefined;
  }
  if (base64.length % 4 !== 0 || /=[^=]/.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  // Buffer.from silently drops bad input; a round trip proves the string was canonical base64.
  if (bytes.toString('base64') !== base64) return undefined;
  return bytes.toString('utf8');
}
