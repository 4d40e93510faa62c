/**
 * @module server/graph/batch/json-path — Graph's references between batch operations:
 * `{result=NAME:$.path}` in a later operation's `relative_url` or body is replaced by what the path selects in
 * NAME's answer. The subset supported is what Graph's own examples use: `$`, `.key`, `[n]`, and `.*` / `[*]`
 * over arrays; several values are joined with commas (`$.data.*.id` → `1,2,3`).
 */

const REFERENCE = /\{result=([A-Za-z0-9_-]{1,64}):(\$[^}]*)\}/g;

export class BatchReferenceError extends Error {}

/** Splits `$.data[0].id` into `['data', 0, 'id']`; `*` stands for every element. */
function steps(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const pattern = /\.([A-Za-z0-9_]+|\*)|\[(\d+|\*)\]/gy;
  pattern.lastIndex = 1; // after the `$`
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (match === null) throw new BatchReferenceError(`unsupported JSONPath ${path}`);
    const step = match[1] ?? match[2] ?? '';
    out.push(/^\d+$/.test(step) ? Number(step) : step);
  }
  return out;
}

function select(value: unknown, path: (string | number)[]): unknown[] {
  let current: unknown[] = [value];
  for (const step of path) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step === '*') {
        if (Array.isArray(node)) next.push(...node);
        else if (typeof node === 'object' && node !== null) next.push(...Object.values(node));
      } else if (typeof step === 'number') {
        if (Array.isArray(node) && step < node.length) next.push(node[step]);
      } else if (typeof node === 'object' && node !== null && !Array.isArray(node) && step in node) {
        next.push((node as Record<string, unknown>)[step]);
      } else if (Array.isArray(node) && /^\d+$/.test(step)) {
        next.push(node[Number(step)]);
      }
    }
    current = next;
  }
  return current;
}

/** The names a text refers to, so that the runner knows which answers to keep and to leave out. */
export function referencedNames(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((match) => match[1] ?? '');
}

/**
 * Replaces every reference in `text`; `answers` holds the parsed bodies of the named operations run so far.
 * Throws BatchReferenceError for an unknown name, an operation that failed, or a path that selects nothing.
 */
export function resolveReferences(
  text: string,
  answers: ReadonlyMap<string, { ok: boolean; body: unknown }>,
  encode: (value: string) => string,
): string {
  return text.replace(REFERENCE, (_whole, name: string, path: string) => {
    const answer = answers.get(name);
    if (answer === undefined) throw new BatchReferenceError(`no earlier operation is named "${name}"`);
    if (!answer.ok) throw new BatchReferenceError(`the operation "${name}" it depends on failed`);
    const values = select(answer.body, steps(path)).filter(
      (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
    );
    if (values.length === 0)
      throw new BatchReferenceError(`${path} selects nothing in the answer of "${name}"`);
    return encode(values.map(String).join(','));
  });
}
