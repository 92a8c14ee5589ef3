'use strict';
// The committed schema facts (sandbox/reference/ugc-schema.facts.graphql) are
// the project's copy of the published schema. This is the one place that
// looks beside the repository: when the published introspection is there
// (../shared/reference/ugc-introspection.json, or $MOVEUGC_INTROSPECTION), the
// committed file must be exactly what the generator makes of it, and the
// sandbox's descriptions must not be copies of the published ones. Without it,
// the committed file is still checked for being the generator's own output.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { parse, visit } = require('graphql');
const facts = require('../reference/facts');

const PUBLISHED = process.env.MOVEUGC_INTROSPECTION
  || path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'ugc-introspection.json');

/** Every description string in an SDL document. */
function descriptions(sdl) {
  const found = [];
  visit(parse(sdl), { enter(node) { if (node.description) found.push(node.description.value); } });
  return found;
}

test('the committed schema facts are the generator\'s output and hold no prose', () => {
  const { text, introspection } = facts.committed();
  assert.strictEqual(facts.factsFromIntrospection(introspection), text, 'regenerating the facts changes them');
  assert.deepStrictEqual(descriptions(text), []);
  const kinds = new Set(introspection.__schema.types.map((t) => t.kind));
  for (const k of ['OBJECT', 'INPUT_OBJECT', 'ENUM', 'INTERFACE', 'UNION', 'SCALAR']) assert.ok(kinds.has(k), `no ${k}`);

  if (!fs.existsSync(PUBLISHED)) return; // drift can only be checked against a published copy
  const published = JSON.parse(fs.readFileSync(PUBLISHED, 'utf8'));
  assert.strictEqual(facts.factsFromIntrospection(published), text,
    `sandbox/reference/ugc-schema.facts.graphql drifted from ${PUBLISHED}: run node sandbox/reference/facts.js ${PUBLISHED} --write`);
  const ours = fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
  const copied = [];
  for (const t of published.data.__schema.types) {
    for (const item of [t, ...(t.fields || []), ...(t.inputFields || []), ...(t.enumValues || [])]) {
      const d = (item.description || '').trim();
      if (d.length > 25 && ours.includes(d)) copied.push(d);
    }
  }
  assert.deepStrictEqual(copied, [], 'descriptions copied from the published schema');
});

test('the generator keeps facts and drops prose', () => {
  const sdl = `
    "zebra" type Query { "okapi" a(x: Int = 3): [String!]! old: Int @deprecated(reason: "words") }
    enum E { ONE TWO @deprecated(reason: "gone") }
    input I { n: Int! = 1 }`;
  const { buildSchema, introspectionFromSchema } = require('graphql');
  const out = facts.factsFromIntrospection(introspectionFromSchema(buildSchema(sdl)));
  assert.deepStrictEqual(descriptions(out), []);
  assert.doesNotMatch(out, /zebra|okapi|words|gone/);
  assert.match(out, /a\(x: Int = 3\): \[String!\]!/);
  assert.match(out, /old: Int @deprecated\n/);
  assert.match(out, /TWO @deprecated\n/);
  assert.match(out, /n: Int! = 1/);
  assert.throws(() => facts.factsFromIntrospection({ data: {} }), /no __schema/);
});
