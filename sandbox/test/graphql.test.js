'use strict';
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const zlib = require('node:zlib');
const { startSandbox, gql, data, control, request, uploadedFile, singleCamTake, volume } = require('../testlib/helpers');

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('graphql over HTTP', async (t) => {
  const sb = await startSandbox({ apiKeys: ['key-one-0123456789', 'key-two-0123456789'] });
  t.after(() => sb.close());

  await t.test('every response carries x-amzn-RequestId', async () => {
    const ok = await gql(sb, '{ client { id } }');
    const denied = await gql(sb, '{ client { id } }', undefined, { key: null });
    const ctl = await request(`${sb.base}/_sandbox/stats`);
    for (const r of [ok, denied, ctl]) assert.match(r.headers['x-amzn-requestid'], new RegExp(`^${UUID}$`));
    assert.notStrictEqual(ok.headers['x-amzn-requestid'], denied.headers['x-amzn-requestid']);
  });

  await t.test('missing or unknown key -> 401 UnauthorizedException without data', async () => {
    for (const key of [null, 'nope-nope-nope', 'sandbox-key-0123456789']) {
      const r = await gql(sb, '{ client { id } }', undefined, { key });
      assert.strictEqual(r.status, 401);
      assert.deepStrictEqual(r.json, { errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }] });
    }
  });

  await t.test('unparseable or empty body -> 400 MalformedHttpRequestException', async () => {
    for (const rawBody of ['', '{not json', '[1,2]', '{"variables":{}}']) {
      const r = await gql(sb, null, undefined, { rawBody });
      assert.strictEqual(r.status, 400, rawBody);
      assert.strictEqual(r.json.errors[0].errorType, 'MalformedHttpRequestException');
      assert.strictEqual(typeof r.json.errors[0].message, 'string');
      assert.ok(!('data' in r.json));
    }
  });

  await t.test('invalid documents -> 200, data null, Validation error of type ...', async () => {
    const cases = [
      ['{ client { nope } }', 'FieldUndefined'],
      ['{ getJob { id } }', 'MissingFieldArgument'],
      ['{ getJob(jobId: 5, x: 1) { id } }', 'UnknownArgument'],
      ['query($a: Nope) { client { id } }', 'UnknownType'],
      ['{ client }', 'SubSelectionRequired'],
      ['{ client { id { x } } }', 'SubSelectionNotAllowed'],
      ['{ listJobs(first: "ten") { first } }', 'WrongType'],
      ['{ client { id', 'InvalidSyntax'],
    ];
    for (const [query, kind] of cases) {
      const r = await gql(sb, query);
      assert.strictEqual(r.status, 200, query);
      assert.strictEqual(r.json.data, null, query);
      const e = r.json.errors[0];
      assert.ok(e.message.startsWith(`Validation error of type ${kind}:`), `${query}: ${e.message}`);
      assert.ok(!('errorType' in e));
      assert.ok(Array.isArray(e.locations));
    }
  });

  await t.test('invalid variables -> validation errors', async () => {
    const q = 'query($id: ID!) { getJob(jobId: $id) { id } }';
    for (const variables of [{}, { id: { x: 1 } }]) {
      const r = await gql(sb, q, variables);
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.json.data, null);
      assert.match(r.json.errors[0].message, /^Validation error of type \w+: /);
    }
  });

  await t.test('AWSJSON arguments must be strings holding valid JSON', async () => {
    const q = 'mutation($m: AWSJSON) { createFile(type: "mp4", metadata: $m) { metadata } }';
    const good = await data(sb, q, { m: '{"foo": "bar", "n": [1, 2]}' });
    assert.deepStrictEqual(JSON.parse(good.createFile.metadata), { foo: 'bar', n: [1, 2] });
    for (const m of ['{a: 1}', "{'a': 1}", 'Unquoted string', { foo: 'bar' }, 12]) {
      const r = await gql(sb, q, { m });
      assert.strictEqual(r.json.data, null, JSON.stringify(m));
      assert.match(r.json.errors[0].message, /^Validation error of type WrongType: /);
    }
    const lit = await gql(sb, 'mutation { createFile(type: "mp4", metadata: "{oops") { id } }');
    assert.match(lit.json.errors[0].message, /^Validation error of type WrongType: /);
    const scalars = await data(sb, 'mutation { createFile(type: "mp4", metadata: "[1,true,null]") { metadata } }');
    assert.strictEqual(scalars.createFile.metadata, '[1,true,null]');
  });

  await t.test('unknown and foreign ids -> MoveNotFoundError with path, locations, data null', async () => {
    const r = await gql(sb, '{\n  getJob(jobId: "job-00000000-0000-0000-0000-000000000000") { id }\n}');
    assert.strictEqual(r.status, 200);
    assert.deepStrictEqual(r.json, {
      data: null,
      errors: [{ path: ['getJob'], data: null, errorType: 'MoveNotFoundError', errorInfo: null,
        locations: [{ line: 2, column: 3, sourceName: null }], message: 'Resource not found in move-ugc-api.' }],
    });
    const mine = await uploadedFile(sb);
    const foreign = await gql(sb, 'query($a: ID!) { getFile(fileId: $a) { id } }', { a: mine }, { key: 'key-two-0123456789' });
    assert.strictEqual(foreign.json.errors[0].errorType, 'MoveNotFoundError');
    const batch = await gql(sb, 'query($a: ID!, $b: ID!) { j1: getFile(fileId: $a) { id } j2: getFile(fileId: $b) { id } }',
      { a: mine, b: 'file-nope' });
    assert.strictEqual(batch.json.data, null);
    assert.deepStrictEqual(batch.json.errors.map((e) => e.path), [['j2']]);
  });

  await t.test('ids, datetimes and URLs have the service\'s shapes', async () => {
    const d = await data(sb, 'mutation { createFile(type: "mp4", name: "a") { id created presignedUrl client { id created portal } } }');
    assert.match(d.createFile.id, new RegExp(`^file-${UUID}$`));
    assert.match(d.createFile.client.id, new RegExp(`^client-${UUID}$`));
    assert.match(d.createFile.created, DATETIME);
    assert.match(d.createFile.client.created, DATETIME);
    assert.ok(new URL(d.createFile.client.portal).protocol.startsWith('http'));
    const takeId = await singleCamTake(sb);
    assert.match(takeId, new RegExp(`^take-${UUID}$`));
    const { volumeId } = await volume(sb);
    assert.match(volumeId, new RegExp(`^volume-${UUID}$`));
    const job = await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t) { id } }', { t: takeId });
    assert.match(job.createSingleCamJob.id, new RegExp(`^job-${UUID}$`));
  });

  await t.test('keys are separate clients that see only their own data', async () => {
    const one = await data(sb, '{ client { id } listTakes { items { id } } }', undefined, { key: 'key-one-0123456789' });
    const two = await data(sb, '{ client { id } listTakes { items { id } } }', undefined, { key: 'key-two-0123456789' });
    assert.notStrictEqual(one.client.id, two.client.id);
    assert.ok(one.listTakes.items.length > 0);
    assert.strictEqual(two.listTakes.items.length, 0);
  });

  await t.test('update mutations replace metadata and name', async () => {
    const fileId = await uploadedFile(sb);
    const takeId = await singleCamTake(sb, { fileId });
    const job = (await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t, name: "j") { id } }', { t: takeId })).createSingleCamJob.id;
    const d = await data(sb, `mutation($f: String!, $t: String!, $j: String!) {
      updateFile(id: $f, metadata: "{\\"a\\":1}", name: "f2") { name metadata }
      updateTake(id: $t, metadata: "{\\"b\\":2}") { name metadata }
      updateJob(id: $j, name: "j2") { name metadata }
      updateClient(metadata: "{\\"c\\":3}") { metadata }
    }`, { f: fileId, t: takeId, j: job });
    assert.deepStrictEqual(d.updateFile, { name: 'f2', metadata: '{"a":1}' });
    assert.deepStrictEqual(d.updateTake, { name: null, metadata: '{"b":2}' });
    assert.deepStrictEqual(d.updateJob, { name: 'j2', metadata: null });
    assert.deepStrictEqual(d.updateClient, { metadata: '{"c":3}' });
    const again = await data(sb, 'mutation($f: String!) { updateFile(id: $f, metadata: "{\\"z\\":0}") { name metadata } }', { f: fileId });
    assert.deepStrictEqual(again.updateFile, { name: 'f2', metadata: '{"z":0}' });
    const missing = await gql(sb, 'mutation { updateJob(id: "job-x", name: "n") { id } }');
    assert.strictEqual(missing.json.errors[0].errorType, 'MoveNotFoundError');
  });

  await t.test('listRigs and listCameraSettings give fixed catalogues', async () => {
    const d = await data(sb, '{ listRigs { first after items { name } } listCameraSettings { first after items { lens } } }');
    const rigs = d.listRigs.items.map((r) => r.name);
    assert.ok(rigs.includes('move_mo') && rigs.includes('move_ve'));
    assert.strictEqual(d.listRigs.after, null);
    assert.strictEqual(d.listRigs.first, rigs.length);
    assert.ok(d.listCameraSettings.items.length >= 5);
    assert.ok(d.listCameraSettings.items.every((c) => typeof c.lens === 'string' && c.lens));
  });

  await t.test('generateShareCode gives a code, times, a working URL and the file', async () => {
    const fileId = await uploadedFile(sb, Buffer.from('shared bytes'));
    const d = await data(sb, 'mutation($f: String!) { generateShareCode(fileId: $f) { code created expires url file { id } } }', { f: fileId });
    const s = d.generateShareCode;
    assert.ok(s.code.length >= 8);
    assert.match(s.created, DATETIME);
    assert.match(s.expires, DATETIME);
    const days = (Date.parse(s.expires) - Date.parse(s.created)) / 86400000;
    assert.ok(Math.abs(days - 7) < 0.001, String(days));
    assert.strictEqual(s.file.id, fileId);
    const link = await request(s.url);
    assert.strictEqual(link.status, 302);
    const got = await request(link.headers.location);
    assert.strictEqual(got.body.toString(), 'shared bytes');
    const bad = await gql(sb, 'mutation { generateShareCode(fileId: "file-x") { code } }');
    assert.strictEqual(bad.json.errors[0].errorType, 'MoveNotFoundError');
  });

  await t.test('gzip when asked, identity otherwise', async () => {
    const z = await gql(sb, '{ listRigs { items { name } } }', undefined, { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    assert.strictEqual(z.headers['content-encoding'], 'gzip');
    const json = JSON.parse(zlib.gunzipSync(z.body).toString());
    assert.ok(json.data.listRigs.items.length > 0);
    const plain = await gql(sb, '{ client { id } }');
    assert.strictEqual(plain.headers['content-encoding'], undefined);
  });

  await t.test('keep-alive: many requests on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await control(sb, 'reset', undefined, 'POST', agent);
      for (let i = 0; i < 20; i += 1) await data(sb, '{ client { id } }', undefined, { agent });
      const stats = (await control(sb, 'stats', undefined, 'GET', agent)).json;
      assert.strictEqual(stats.requests.graphql, 20);
      assert.strictEqual(stats.connections, 0, 'no new connection after the reset');
    } finally {
      agent.destroy();
    }
    const r = await gql(sb, '{ client { id } }');
    assert.match(r.headers['keep-alive'] || '', /timeout=65/);
  });
});

test('pagination: first, after, sortDirection, takeId filter, limits', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());
  const takeA = await singleCamTake(sb);
  const takeB = await singleCamTake(sb);
  const jobs = [];
  for (let i = 0; i < 23; i += 1) {
    const take = i % 3 === 0 ? takeB : takeA;
    jobs.push((await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t) { id } }', { t: take })).createSingleCamJob.id);
  }
  const Q = 'query($f: Int, $a: AWSJSON, $d: SortDirection, $t: String) { listJobs(first: $f, after: $a, sortDirection: $d, takeId: $t) { first after items { id created } } }';
  async function all(vars) {
    const seen = [];
    let after = null;
    let pages = 0;
    do {
      const page = (await data(sb, Q, { ...vars, a: after })).listJobs;
      pages += 1;
      if (vars.f) assert.strictEqual(page.first, vars.f);
      seen.push(...page.items.map((j) => j.id));
      after = page.after;
      if (after !== null) assert.strictEqual(typeof JSON.parse(after), 'object');
    } while (after !== null);
    return { seen, pages };
  }
  const desc = await all({ f: 5 });
  assert.strictEqual(desc.pages, 5);
  assert.deepStrictEqual(desc.seen, [...jobs].reverse());
  const asc = await all({ f: 4, d: 'ASC' });
  assert.strictEqual(asc.pages, 6);
  assert.deepStrictEqual(asc.seen, jobs);
  const onlyB = await all({ f: 2, t: takeB });
  assert.deepStrictEqual(onlyB.seen, jobs.filter((_, i) => i % 3 === 0).reverse());
  assert.ok(onlyB.pages > 3);

  const first = (await data(sb, Q, {})).listJobs;
  assert.strictEqual(first.first, 10);
  assert.strictEqual(first.items.length, 10);
  const exact = (await data(sb, Q, { f: 23 })).listJobs;
  assert.strictEqual(exact.after, null);
  const max = (await data(sb, Q, { f: 100 })).listJobs;
  assert.strictEqual(max.items.length, 23);
  for (const f of [101, 0, -1]) {
    const r = await gql(sb, Q, { f });
    assert.strictEqual(r.json.data, null);
    assert.match(r.json.errors[0].message, /^Validation error of type WrongType: argument 'first'/);
  }
  for (const a of ['{"x":1}', '"just a string"', '[1]']) {
    const r = await gql(sb, Q, { a });
    assert.strictEqual(r.json.data, null);
    assert.match(r.json.errors[0].message, /^Validation error of type WrongType: argument 'after'/);
  }
  const takes = (await data(sb, '{ listTakes(first: 1) { first after items { id } } }')).listTakes;
  assert.deepStrictEqual(takes.items.map((x) => x.id), [takeB]);
  const wrongList = await gql(sb, Q, { a: takes.after });
  assert.match(wrongList.json.errors[0].message, /^Validation error of type WrongType/);
  const vols = (await data(sb, '{ listVolumes { first after items { ... on HumanVolume { id } } } }')).listVolumes;
  assert.deepStrictEqual(vols, { first: 10, after: null, items: [] });

  // cursors see the sandbox clock: they expire after an hour
  const page = (await data(sb, Q, { f: 5 })).listJobs;
  await control(sb, 'clock', { advance_seconds: 3601 });
  const expired = await gql(sb, Q, { f: 5, a: page.after });
  assert.strictEqual(expired.json.errors[0].errorType, 'BadRequestException');
});
