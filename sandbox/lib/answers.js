'use strict';
/**
 * Canned answers (POST /_sandbox/answers). Each answer names an operation, a
 * root field of the schema such as getJob, and replaces the sandbox's answer to
 * the next `count` authenticated GraphQL requests that select that field first,
 * oldest answer first. The reply is `data` (the root field's value), a whole
 * JSON `response`, a raw `body`, or raw bytes in `body_base64` (what a JSON
 * string cannot carry: invalid UTF-8); all are sent verbatim, unchecked
 * against the schema, so tests can hold hostile answers.
 */
const { validateHeaderName, validateHeaderValue } = require('node:http');
const { parse, getOperationAST, Kind } = require('graphql');

const FORMS = ['data', 'response', 'body', 'body_base64'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEYS = new Set(['operation', 'count', 'status', 'headers', ...FORMS]);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function headersError(headers) {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return 'headers must be an object';
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number') return `header ${JSON.stringify(name)} must be a string or a number`;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, String(value));
    } catch {
      return `header ${JSON.stringify(name)} is not a valid HTTP header`;
    }
  }
  return null;
}

/**
 * The first field selected at the top of the request's operation, following
 * fragments and skipping __typename: { name, key } (key = alias or name), or null.
 */
function rootField(request) {
  let document;
  try {
    document = parse(request.query);
  } catch {
    return null;
  }
  const { operationName } = request;
  if (operationName != null && typeof operationName !== 'string') return null;
  const operation = getOperationAST(document, operationName || undefined);
  if (!operation) return null;
  const fragments = new Map(document.definitions
    .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const seen = new Set();
  const first = (selectionSet) => {
    for (const s of selectionSet.selections) {
      let found = null;
      if (s.kind === Kind.FIELD) {
        if (s.name.value !== '__typename') found = { name: s.name.value, key: s.alias ? s.alias.value : s.name.value };
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        found = first(s.selectionSet);
      } else if (s.kind === Kind.FRAGMENT_SPREAD && fragments.has(s.name.value) && !seen.has(s.name.value)) {
        seen.add(s.name.value);
        found = first(fragments.get(s.name.value).selectionSet);
      }
      if (found) return found;
    }
    return null;
  };
  const field = first(operation.selectionSet);
  return field && { ...field, operationName: operationName || (operation.name ? operation.name.value : null) };
}

class Answers {
  /** `operations`: the root field names an answer may name. */
  constructor(operations) {
    this.operations = new Set(operations);
    this.pending = [];
  }

  reset() {
    this.pending = [];
  }

  /** Validate and queue an answer; returns an error message or null. */
  add(spec) {
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'answer must be a JSON object';
    const unknown = Object.keys(spec).filter((k) => !KEYS.has(k));
    if (unknown.length) return `unknown field ${JSON.stringify(unknown[0])} (expected ${[...KEYS].join(', ')})`;
    const op = spec.operation;
    if (typeof op !== 'string' || op === '') return 'operation must be the name of a root field, such as getJob';
    if (!this.operations.has(op)) {
      const near = [...this.operations].find((o) => o.toLowerCase() === op.toLowerCase());
      return `operation ${JSON.stringify(op)} is not a root field of the schema${near ? ` (did you mean ${near}?)` : ''}`;
    }
    const count = spec.count === undefined ? 1 : spec.count;
    if (!Number.isInteger(count) || count < 1) return 'count must be a positive integer';
    const forms = FORMS.filter((k) => has(spec, k));
    if (forms.length !== 1) return `give exactly one of ${FORMS.join(', ')}`;
    if (has(spec, 'body') && typeof spec.body !== 'string') return 'body must be a string';
    if (has(spec, 'body_base64') && !(typeof spec.body_base64 === 'string' && BASE64.test(spec.body_base64))) {
      return 'body_base64 must be a base64 string';
    }
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) return 'status must be an HTTP status';
    if (spec.headers !== undefined) {
      const error = headersError(spec.headers);
      if (error) return error;
    }
    this.pending.push({ ...spec, count });
    return null;
  }

  /**
   * Take one use of the first answer for this request's root field, if any.
   * Returns { status, headers, json } or { status, headers, body }, and the
   * operation name for the request log; null when nothing matches.
   */
  take(request) {
    if (this.pending.length === 0) return null;
    const field = rootField(request);
    if (!field) return null;
    const i = this.pending.findIndex((a) => a.operation === field.name);
    if (i < 0) return null;
    const answer = this.pending[i];
    answer.count -= 1;
    if (answer.count === 0) this.pending.splice(i, 1);
    const reply = { status: answer.status === undefined ? 200 : answer.status, headers: answer.headers || {}, operation: field.operationName };
    if (has(answer, 'body')) reply.body = answer.body;
    else if (has(answer, 'body_base64')) reply.body = Buffer.from(answer.body_base64, 'base64');
    else if (has(answer, 'response')) reply.json = answer.response;
    else reply.json = { data: { [field.key]: answer.data } };
    return reply;
  }
}

module.exports = { Answers, rootField };
