'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { getIntrospectionQuery } = require('graphql');
const { startSandbox, data } = require('../testlib/helpers');
const facts = require('../reference/facts');

const typeRef = (t) => (t.kind === 'NON_NULL' ? `${typeRef(t.ofType)}!` : t.kind === 'LIST' ? `[${typeRef(t.ofType)}]` : t.name);
const BUILT_IN = new Set(['include', 'skip', 'deprecated']);
const names = (list) => (list || []).map((x) => x.name).sort();

/** Flatten an introspection result into comparable lines (descriptions ignored). */
function describe(schema) {
  const lines = new Set();
  lines.add(`query ${schema.queryType && schema.queryType.name}`);
  lines.add(`mutation ${schema.mutationType && schema.mutationType.name}`);
  lines.add(`subscription ${schema.subscriptionType && schema.subscriptionType.name}`);
  for (const t of schema.types) {
    if (t.name.startsWith('__')) continue;
    lines.add(`type ${t.name} ${t.kind}`);
    for (const f of t.fields || []) {
      lines.add(`field ${t.name}.${f.name}: ${typeRef(f.type)}${f.isDeprecated ? ' deprecated' : ''}`);
      for (const a of f.args) lines.add(`arg ${t.name}.${f.name}(${a.name}: ${typeRef(a.type)} = ${a.defaultValue})`);
    }
    for (const f of t.inputFields || []) lines.add(`input ${t.name}.${f.name}: ${typeRef(f.type)} = ${f.defaultValue}`);
    for (const e of t.enumValues || []) lines.add(`enum ${t.name}.${e.name}${e.isDeprecated ? ' deprecated' : ''}`);
    if (t.interfaces && t.interfaces.length) lines.add(`implements ${t.name}: ${names(t.interfaces).join(' & ')}`);
    if (t.possibleTypes && t.possibleTypes.length) lines.add(`possible ${t.name}: ${names(t.possibleTypes).join(' | ')}`);
  }
  for (const d of schema.directives) {
    // the standard ones come with graphql-js (their locations differ by version)
    if (BUILT_IN.has(d.name)) { lines.add(`directive @${d.name}`); continue; }
    lines.add(`directive @${d.name} on ${[...d.locations].sort().join('|')}`);
    for (const a of d.args) lines.add(`directive-arg @${d.name}(${a.name}: ${typeRef(a.type)})`);
  }
  return lines;
}

test('schema matches the published schema facts in both directions', async (t) => {
  const published = facts.committed().introspection.__schema;
  const sb = await startSandbox();
  t.after(() => sb.close());
  const ours = (await data(sb, getIntrospectionQuery())).__schema;
  const a = describe(published);
  const b = describe(ours);
  const missing = [...a].filter((l) => !b.has(l));
  const extra = [...b].filter((l) => !a.has(l));
  assert.deepStrictEqual(missing, [], 'in the published schema but not in the sandbox');
  assert.deepStrictEqual(extra, [], 'in the sandbox but not in the published schema');
  assert.ok(a.size > 300, `compared ${a.size} facts`);
});

test('the sandbox\'s schema, reduced to facts, is the committed facts file', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());
  const ours = await data(sb, getIntrospectionQuery());
  assert.strictEqual(facts.factsFromIntrospection(ours), facts.committed().text);
});

test('introspection answers __type and __typename queries', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());
  const d = await data(sb, '{ __typename __type(name: "JobState") { kind enumValues { name } } }');
  assert.strictEqual(d.__typename, 'Query');
  assert.deepStrictEqual(d.__type.enumValues.map((e) => e.name).sort(), ['FAILED', 'FINISHED', 'NOT_STARTED', 'RUNNING']);
});
