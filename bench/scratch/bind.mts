import Database from '/work/main/node_modules/better-sqlite3/lib/index.js';
const db = new Database('/tmp/prof.sqlite', { readonly: true });
const q = (limit: string) =>
  db
    .prepare(
      `SELECT count(*), min(seq), max(seq), group_concat(wire_json, ',' ORDER BY seq) FROM (SELECT seq, wire_json FROM join_requests INDEXED BY join_requests_pending_page WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ${limit})`,
    )
    .raw();
const cases: [string, (i: number) => unknown][] = [
  [
    'number group, bound LIMIT number',
    (
      (st) => (i: number) =>
        st.get(2 + (i % 190), 25)
    )(q('?')),
  ],
  [
    'number group, literal LIMIT',
    (
      (st) => (i: number) =>
        st.get(2 + (i % 190))
    )(q('25')),
  ],
  [
    'bigint group, bound LIMIT bigint',
    (
      (st) => (i: number) =>
        st.get(BigInt(2 + (i % 190)), 25n)
    )(q('?')),
  ],
  [
    'number group, LIMIT CAST(? AS INTEGER)',
    (
      (st) => (i: number) =>
        st.get(2 + (i % 190), 25)
    )(q('CAST(? AS INTEGER)')),
  ],
];
for (const [name, run] of cases) {
  for (let i = 0; i < 5000; i++) run(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 20000; i++) run(i);
  console.log(name.padEnd(40), (Number(process.hrtime.bigint() - t) / 20000 / 1000).toFixed(1), 'µs');
}
