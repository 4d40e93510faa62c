/**
 * @module domain/json-depth — how deep a JSON value Groupgate reads. No Graph body nests beyond a few levels; past
 * this depth a value would only cost the stack of whoever walks it (a batch operation's body is refused, the
 * journal keeps a marker instead).
 */
export const MAX_JSON_DEPTH = 32;
