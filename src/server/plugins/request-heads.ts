/**
 * @module server/plugins/request-heads — which request on a connection an error below Fastify belongs to. Node's
 * parser reports a malformed request or a timeout for the connection, not for a request, and a TCP chunk may hold
 * several pipelined requests; the answer's family (Graph or control API) must be that of the request that failed,
 * not of the first request line in the chunk. So each connection notes where request lines begin as its bytes
 * arrive, and forgets each one once the parser has handed that request over.
 */

/** A request line's target, and where on the connection (in bytes) its line begins. */
interface Head {
  at: number;
  target: string;
}

const HTTP_VERSION = Buffer.from(' HTTP/1.');
/** A request line is within the 16 KiB header limit; a partial last line is kept up to that. */
const MAX_CARRY = 16 * 1024;
/** More request lines than this waiting for the parser is a flood of them; the oldest matter, the rest are dropped. */
const MAX_HEADS = 64;

export class RequestHeads {
  #received = 0;
  /** The bytes after the last line break seen: the start of a request line split across chunks. */
  #carry: Buffer = Buffer.alloc(0);
  readonly #heads: Head[] = [];

  /** Bytes as they arrive on the connection, before the parser reads them. */
  observe(chunk: Buffer): void {
    const carried = this.#carry.length;
    const bytes = carried === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const start = this.#received - carried;
    for (let at = bytes.indexOf(HTTP_VERSION); at !== -1; at = bytes.indexOf(HTTP_VERSION, at + 1)) {
      const lineStart = bytes.lastIndexOf(0x0a, at) + 1;
      // The method and target just before the version; a body without a final line break may precede them.
      const match = /([A-Za-z]+) (\S+)$/.exec(bytes.subarray(lineStart, at).toString('latin1'));
      const headAt = start + lineStart + (match?.index ?? 0);
      // A line still unfinished at the end of a chunk is read again with the next: note it once.
      const known = (this.#heads.at(-1)?.at ?? -1) >= headAt;
      if (match !== null && !known && this.#heads.length < MAX_HEADS) {
        this.#heads.push({ at: headAt, target: match[2] ?? '' });
      }
    }
    this.#received += chunk.length;
    const tail = bytes.subarray(bytes.lastIndexOf(0x0a) + 1);
    this.#carry = tail.length <= MAX_CARRY ? Buffer.from(tail) : Buffer.alloc(0);
  }

  /** The parser handed over a request: its line, and anything before it that only looked like one, are done. */
  parsed(target: string): void {
    const at = this.#heads.findIndex((head) => head.target === target);
    this.#heads.splice(0, at === -1 ? this.#heads.length : at + 1);
  }

  /**
   * The target of the request being parsed: the last request line not yet handed over that begins at or before
   * `failedAt` (a byte offset on the connection, when the parser says where it failed). The last, not the first:
   * a line before it that only looked like a request (inside a body) was never handed over either, and whatever
   * follows a head that never finished belongs to that head.
   */
  current(failedAt = Number.POSITIVE_INFINITY): string | undefined {
    return this.#heads.findLast((head) => head.at <= failedAt)?.target;
  }

  /** Bytes received so far on the connection. */
  get received(): number {
    return this.#received;
  }
}
