'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { startSandbox, gql, control } = require('../testlib/helpers');

const GET_JOB = 'query GetJob($id: ID!) { getJob(jobId: $id) { id state progress { state percentageComplete } } }';
const HOSTILE_JOB = { id: 'job-x', state: 7, progress: { state: 'RUNNING', percentageComplete: 'forty' } };

test('canned answers', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());
  const answer = async (spec) => {
    const r = await control(sb, 'answers', spec);
    assert.strictEqual(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  const pending = async () => (await control(sb, 'answers', undefined, 'GET')).json.pending;

  await t.test('data answers the named root field, verbatim, for count requests, then normal', async () => {
    const added = await answer({ operation: 'getJob', count: 2, data: HOSTILE_JOB });
    assert.deepStrictEqual(added.pending, [{ operation: 'getJob', count: 2, data: HOSTILE_JOB }]);
    for (let i = 0; i < 2; i += 1) {
      const r = await gql(sb, GET_JOB, { id: 'job-x' });
      assert.strictEqual(r.status, 200);
      assert.deepStrictEqual(r.json, { data: { getJob: HOSTILE_JOB } });
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.ok(r.headers['x-amzn-requestid']);
    }
    const normal = await gql(sb, GET_JOB, { id: 'job-x' });
    assert.strictEqual(normal.json.errors[0].errorType, 'MoveNotFoundError');
    assert.deepStrictEqual(await pending(), []);
  });

  await t.test('other operations go on normally and leave the answer pending', async () => {
    await answer({ operation: 'getJob', data: null });
    const r = await gql(sb, '{ client { id } }');
    assert.match(r.json.data.client.id, /^client-/);
    const f = await gql(sb, '{ getFile(fileId: "file-nope") { id } }');
    assert.strictEqual(f.json.errors[0].errorType, 'MoveNotFoundError');
    assert.strictEqual((await pending()).length, 1);
    assert.deepStrictEqual((await gql(sb, GET_JOB, { id: 'job-x' })).json, { data: { getJob: null } });
  });

  await t.test('matching uses the field, not its alias; data goes under the alias the request chose', async () => {
    await answer({ operation: 'getFile', data: { id: 'file-x' } });
    const job = await gql(sb, '{ getFile: getJob(jobId: "job-nope") { id } }');
    assert.strictEqual(job.json.errors[0].errorType, 'MoveNotFoundError', 'an alias named getFile does not match');
    const r = await gql(sb, '{ f: getFile(fileId: "file-x") { id } }');
    assert.deepStrictEqual(r.json, { data: { f: { id: 'file-x' } } });
  });

  await t.test('the operation is chosen by operationName; fragments and __typename are looked through', async () => {
    const doc = 'query A { client { id } } query B { getJob(jobId: "job-x") { id } }';
    await answer({ operation: 'getJob', data: { id: 'job-x' } });
    assert.ok((await gql(sb, doc, undefined, { operationName: 'A' })).json.data.client.id);
    assert.deepStrictEqual((await gql(sb, doc, undefined, { operationName: 'B' })).json, { data: { getJob: { id: 'job-x' } } });
    await answer({ operation: 'listJobs', data: { after: 'c1', items: [null, { id: 'job-1' }] } });
    const r = await gql(sb, 'query { __typename ...F } fragment F on Query { listJobs { after items { id } } }');
    assert.deepStrictEqual(r.json, { data: { listJobs: { after: 'c1', items: [null, { id: 'job-1' }] } } });
  });

  await t.test('mutations are answered without being carried out', async () => {
    const before = sb.app.store.files.size;
    await answer({ operation: 'createFile', data: { id: 'file-x', presignedUrl: 'file:///etc/passwd' } });
    const r = await gql(sb, 'mutation { createFile(type: "mp4") { id presignedUrl } }');
    assert.deepStrictEqual(r.json, { data: { createFile: { id: 'file-x', presignedUrl: 'file:///etc/passwd' } } });
    assert.strictEqual(sb.app.store.files.size, before);
  });

  await t.test('response is sent as the whole body, with status and headers; gzip when accepted', async () => {
    const response = { data: null, errors: [{ errorType: 'Weird', message: 'x' }], extra: [1, 'two'] };
    await answer({ operation: 'getJob', response, status: 500, headers: { 'Retry-After': '2' } });
    const r = await gql(sb, GET_JOB, { id: 'job-x' }, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.strictEqual(r.status, 500);
    assert.strictEqual(r.headers['retry-after'], '2');
    assert.strictEqual(r.headers['content-encoding'], 'gzip');
    assert.deepStrictEqual(JSON.parse(zlib.gunzipSync(r.body)), response);
    await answer({ operation: 'getJob', response: [1, 2] });
    assert.deepStrictEqual((await gql(sb, GET_JOB, { id: 'job-x' })).json, [1, 2]);
  });

  await t.test('body is sent raw, never gzipped; headers may replace the content type', async () => {
    await answer({ operation: 'getJob', body: '{"data": {"getJob": {"id": "job-x",' });
    const r = await gql(sb, GET_JOB, { id: 'job-x' }, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.headers['content-encoding'], undefined);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.strictEqual(r.body.toString(), '{"data": {"getJob": {"id": "job-x",');
    await answer({ operation: 'getJob', body: '<html>busy</html>', status: 503, headers: { 'Content-Type': 'text/html' } });
    const h = await gql(sb, GET_JOB, { id: 'job-x' });
    assert.strictEqual(h.status, 503);
    assert.strictEqual(h.headers['content-type'], 'text/html');
    assert.strictEqual(h.body.toString(), '<html>busy</html>');
  });

  await t.test('body_base64 is sent as those bytes, invalid UTF-8 included', async () => {
    const bytes = Buffer.concat([Buffer.from('{"data": {"getJob": {"id": "job-'), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}}}')]);
    await answer({ operation: 'getJob', body_base64: bytes.toString('base64') });
    const r = await gql(sb, GET_JOB, { id: 'job-x' }, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.headers['content-encoding'], undefined);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.deepStrictEqual(r.body, bytes);
  });

  await t.test('the API key is still checked, and a refused request leaves the answer pending', async () => {
    await answer({ operation: 'getJob', data: { id: 'job-x' } });
    const denied = await gql(sb, GET_JOB, { id: 'job-x' }, { key: null });
    assert.strictEqual(denied.status, 401);
    assert.strictEqual(denied.json.errors[0].errorType, 'UnauthorizedException');
    assert.strictEqual((await gql(sb, GET_JOB, { id: 'job-x' }, { key: 'wrong-key-0123456789' })).status, 401);
    const malformed = await gql(sb, null, undefined, { rawBody: '{oops' });
    assert.strictEqual(malformed.status, 400);
    assert.strictEqual((await pending()).length, 1);
    assert.deepStrictEqual((await gql(sb, GET_JOB, { id: 'job-x' })).json, { data: { getJob: { id: 'job-x' } } });
  });

  await t.test('faults come first: an answering fault leaves the answer pending, a delay delays it', async () => {
    await answer({ operation: 'getJob', count: 2, data: { id: 'job-x' } });
    assert.strictEqual((await control(sb, 'faults', { target: 'graphql', status: 503 })).status, 200);
    assert.strictEqual((await gql(sb, GET_JOB, { id: 'job-x' })).status, 503);
    assert.strictEqual((await pending())[0].count, 2);
    assert.strictEqual((await control(sb, 'faults', { target: 'graphql', delay_ms: 150 })).status, 200);
    const t0 = Date.now();
    const r = await gql(sb, GET_JOB, { id: 'job-x' });
    assert.ok(Date.now() - t0 >= 140);
    assert.deepStrictEqual(r.json, { data: { getJob: { id: 'job-x' } } });
    assert.strictEqual((await pending())[0].count, 1);
    await gql(sb, GET_JOB, { id: 'job-x' });
    assert.deepStrictEqual(await pending(), []);
  });

  await t.test('bad answers are refused with a reason', async () => {
    const cases = [
      [[], /must be a JSON object/],
      [{ data: {} }, /operation must be/],
      [{ operation: 'GetJob', data: {} }, /not a root field.*did you mean getJob/],
      [{ operation: 'noSuchField', data: {} }, /not a root field/],
      [{ operation: 'getJob' }, /exactly one of data, response, body, body_base64/],
      [{ operation: 'getJob', body: 'x', body_base64: 'eA==' }, /exactly one of/],
      [{ operation: 'getJob', body_base64: 'not base64!' }, /body_base64 must be a base64 string/],
      [{ operation: 'getJob', body_base64: 12 }, /body_base64 must be a base64 string/],
      [{ operation: 'getJob', data: {}, body: 'x' }, /exactly one of/],
      [{ operation: 'getJob', count: 0, data: {} }, /count must be a positive integer/],
      [{ operation: 'getJob', count: 1.5, data: {} }, /count must be a positive integer/],
      [{ operation: 'getJob', body: { id: 1 } }, /body must be a string/],
      [{ operation: 'getJob', data: {}, status: 99 }, /status must be an HTTP status/],
      [{ operation: 'getJob', data: {}, headers: 'x' }, /headers must be an object/],
      [{ operation: 'getJob', data: {}, headers: { 'Bad Name': 'x' } }, /not a valid HTTP header/],
      [{ operation: 'getJob', data: {}, headers: { 'X-A': 'a\r\nb' } }, /not a valid HTTP header/],
      [{ operation: 'getJob', data: {}, headers: { 'X-A': null } }, /must be a string or a number/],
      [{ operation: 'getJob', data: {}, target: 'graphql' }, /unknown field "target"/],
    ];
    for (const [spec, message] of cases) {
      const r = await control(sb, 'answers', spec);
      assert.strictEqual(r.status, 400, JSON.stringify(spec));
      assert.match(r.json.error, message, JSON.stringify(spec));
    }
    assert.deepStrictEqual(await pending(), []);
  });

  await t.test('answers are listed, cleared by DELETE and by reset; answered requests count in stats', async () => {
    await answer({ operation: 'getJob', count: 3, data: {} });
    await answer({ operation: 'createFile', response: {} });
    assert.deepStrictEqual((await pending()).map((a) => a.operation), ['getJob', 'createFile']);
    assert.strictEqual((await control(sb, 'answers', undefined, 'DELETE')).status, 200);
    assert.deepStrictEqual(await pending(), []);
    await answer({ operation: 'getJob', data: {} });
    await control(sb, 'reset');
    assert.deepStrictEqual(await pending(), []);
    await answer({ operation: 'client', data: { id: 'client-x' } });
    assert.deepStrictEqual((await gql(sb, '{ client { id } }')).json, { data: { client: { id: 'client-x' } } });
    assert.strictEqual((await control(sb, 'stats', undefined, 'GET')).json.requests.graphql, 1);
  });
});

test('canned answers are written to the request log', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'answers-log-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'requests.jsonl');
  const sb = await startSandbox({ requestLog: file });
  await control(sb, 'answers', { operation: 'getJob', status: 502, body: 'nope' });
  await gql(sb, GET_JOB, { id: 'job-x' });
  await sb.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.strictEqual(lines.length, 1);
  assert.strictEqual(lines[0].operation, 'GetJob');
  assert.strictEqual(lines[0].status, 502);
  assert.deepStrictEqual(lines[0].variables, { id: 'job-x' });
});
