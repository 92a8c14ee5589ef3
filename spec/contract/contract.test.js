// Contract test: every GraphQL document the Lua SDK can send, with its
// variables, validated by graphql-js against the published schema (the facts
// committed in sandbox/reference/ugc-schema.facts.graphql).
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const graphql = require(path.join(root, 'sandbox', 'node_modules', 'graphql'));
const schema = require(path.join(root, 'sandbox', 'reference', 'facts')).committed().schema;

function dump() {
  const out = execFileSync(process.env.MOVEUGC_LUA || 'lua5.4', [path.join(__dirname, 'dump.lua')], {
    env: {
      ...process.env,
      LUA_PATH: `${root}/binding/?.lua;${root}/binding/?/init.lua;;`,
      LUA_CPATH: `${root}/build/lua5.4/?.so;;`,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  return { calls: lines.slice(0, -1), summary: lines[lines.length - 1] };
}

// AWSJSON travels as a string holding JSON; the client schema cannot know.
function checkScalars(type, value, where, problems) {
  if (value === null || value === undefined) return;
  const named = graphql.getNamedType(type);
  const inner = graphql.getNullableType(type);
  if (graphql.isListType(inner)) {
    if (!Array.isArray(value)) problems.push(`${where}: a list must be sent as a JSON array`);
    else value.forEach((v, i) => checkScalars(inner.ofType, v, `${where}[${i}]`, problems));
    return;
  }
  if (named.name === 'AWSJSON') {
    if (typeof value !== 'string') problems.push(`${where}: AWSJSON must be a string, got ${typeof value}`);
    else {
      try { JSON.parse(value); } catch (e) { problems.push(`${where}: AWSJSON is not valid JSON`); }
    }
  } else if (graphql.isEnumType(named)) {
    if (typeof value !== 'string' || !named.getValue(value)) problems.push(`${where}: ${value} is not a ${named.name}`);
  } else if (graphql.isInputObjectType(named)) {
    const fields = named.getFields();
    for (const [k, v] of Object.entries(value)) {
      if (!fields[k]) problems.push(`${where}.${k}: no such field in ${named.name}`);
      else checkScalars(fields[k].type, v, `${where}.${k}`, problems);
    }
  }
}

const { calls, summary } = dump();

test('the dump called every SDK function without raising', () => {
  assert.strictEqual(summary.failures, 0);
  assert.ok(calls.length > 100, `only ${calls.length} documents`);
});

test('every operation the SDK knows is sent at least once', () => {
  const sent = new Set(calls.map((c) => c.operation));
  const missing = summary.known_operations.filter((name) => !sent.has(name));
  assert.deepStrictEqual(missing, []);
});

test('every document and its variables are valid against the published schema', () => {
  const problems = [];
  const seen = new Set();
  for (const c of calls) {
    const key = c.query + '\n' + JSON.stringify(c.variables);
    if (seen.has(key)) continue;
    seen.add(key);
    let doc;
    try { doc = graphql.parse(c.query); } catch (e) { problems.push(`${c.call}: ${e.message}`); continue; }
    for (const e of graphql.validate(schema, doc)) problems.push(`${c.call}: ${e.message}`);
    const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    if (ops.length !== 1) { problems.push(`${c.call}: expected one operation`); continue; }
    const op = ops[0];
    if (c.operation && op.name && op.name.value !== c.operation) {
      problems.push(`${c.call}: operationName ${c.operation} does not name the operation`);
    }
    const declared = new Map(op.variableDefinitions.map((d) => [d.variable.name.value, d]));
    for (const name of Object.keys(c.variables)) {
      if (!declared.has(name)) problems.push(`${c.call}: variable $${name} is not declared`);
    }
    const coerced = graphql.getVariableValues(schema, op.variableDefinitions, c.variables);
    for (const e of coerced.errors || []) problems.push(`${c.call}: ${e.message}`);
    for (const [name, def] of declared) {
      const type = graphql.typeFromAST(schema, def.type);
      checkScalars(type, c.variables[name], `${c.call} $${name}`, problems);
    }
  }
  assert.deepStrictEqual(problems, []);
});
