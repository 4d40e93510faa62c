import Database from '/work/main/node_modules/better-sqlite3/lib/index.js';
const variants: Record<string, string> = {
  'ORDER BY in concat': `SELECT count(*), min(seq), max(seq), group_concat(wire_json, ',' ORDER BY seq) FROM (SELECT seq, wire_json FROM join_requests INDEXED BY join_requests_pending_page WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ?)`,
  'no ORDER BY in concat': `SELECT count(*), min(seq), max(seq), group_concat(wire_json, ',') FROM (SELECT seq, wire_json FROM join_requests INDEXED BY join_requests_pending_page WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ?)`,
  'rows only': `SELECT seq, wire_json FROM join_requests INDEXED BY join_requests_pending_page WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ?`,
  'count only': `SELECT count(*) FROM (SELECT seq FROM join_requests INDEXED BY join_requests_pending_page WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ?)`,
};
for (const [label, db] of [
  ['file', new Database('/tmp/prof.sqlite', { readonly: true })],
  [
    'memory copy',
    (() => {
      const m = new Database(':memory:');
      m.exec(
        "ATTACH '/tmp/prof.sqlite' AS f; CREATE TABLE join_requests AS SELECT * FROM f.join_requests; CREATE INDEX join_requests_pending_page ON join_requests (group_pk, seq, wire_json) WHERE status = 'pending'; DETACH f;",
      );
      return m;
    })(),
  ],
] as const) {
  for (const [name, sql] of Object.entries(variants)) {
    const st = db.prepare(sql).raw();
    const run = (i: number) => (name === 'rows only' ? st.all(2 + (i % 190), 25) : st.get(2 + (i % 190), 25));
    for (let i = 0; i < 5000; i++) run(i);
    const t = process.hrtime.bigint();
    for (let i = 0; i < 20000; i++) run(i);
    console.log(
      label.padEnd(12),
      name.padEnd(24),
      (Number(process.hrtime.bigint() - t) / 20000 / 1000).toFixed(1),
      'µs',
    );
  }
}
