/** What the generated-client session (session.ts) is given and records; its test reads these types too. */
/** One call of the session: the spec operation, what was sent, what came back. */
export interface SessionCall {
  specPath: string;
  method: 'get' | 'post' | 'delete';
  requestBody: unknown;
  requestContentType: string | null;
  status: number;
  body: unknown;
}

export interface SessionTarget {
  baseUrl: string;
  accessToken: string;
  phoneNumberId: string;
  /** A simulated WhatsApp user opens the invite link (Groupgate's control API: Meta has none). */
  join(waId: string, inviteLink: string): Promise<void>;
  /** A square JPEG of at least 192 px, for the profile picture. */
  picture: Uint8Array<ArrayBuffer>;
}
