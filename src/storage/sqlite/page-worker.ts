/**
 * @module storage/sqlite/page-worker — the worker thread behind `PageWorker`: reads join-request pages on its own
 * read-only connection, a batch per message, so that the event loop's thread keeps to HTTP (see page-worker-client).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { preparePageReader, type PageInput } from './page-queries.js';
import type { PageWorkerReply, PageWorkerRequest } from './page-worker-client.js';

const port = parentPort;
if (port === null) throw new Error('page-worker runs as a worker thread');
const db = new Database((workerData as { path: string }).path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const read = preparePageReader(db);

port.on('message', ({ id, inputs }: PageWorkerRequest) => {
  let reply: PageWorkerReply;
  try {
    reply = { id, rows: inputs.map((input: PageInput) => read(input)) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies PageWorkerReply);
