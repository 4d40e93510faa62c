// The ceiling: a bare node:http server answering a precomputed body, the most Node can serve on this machine.
import { createServer } from 'node:http';

const size = Number(process.argv[2] ?? 1000);
const body = Buffer.from(JSON.stringify({ data: 'x'.repeat(Math.max(0, size - 12)) }));
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
