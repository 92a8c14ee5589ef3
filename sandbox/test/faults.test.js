'use strict';
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const { startSandbox, data, control, uploadedFile } = require('../testlib/helpers');

/** A raw request that reports a dropped connection or a short body instead of failing. */
function raw(url, opts = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: opts.method || 'GET', headers: opts.headers || {}, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), aborted: true }));
      res.on('aborted', () => {});
    });
    req.on('error', (err) => resolve({ error: err.code || err.message }));
    req.end(opts.body);
  });
}

const Q = JSON.stringify({ query: '{ client { id } }' });
const gqlRaw = (sb, body = Q) => raw(sb.url, { method: 'POST', headers: { Authorization: sb.keys[0], 'Content-Type': 'application/json' }, body });

test('fault injection', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());
  const fault = async (spec) => assert.strictEqual((await control(sb, 'faults', spec)).status, 200);

  await t.test('status with headers and body, for count requests, then normal', async () => {
    await fault({ target: 'graphql', count: 2, status: 503, headers: { 'Retry-After': '1' }, body: '{"message":"busy"}' });
    for (let i = 0; i < 2; i += 1) {
      const r = await gqlRaw(sb);
      assert.strictEqual(r.status, 503);
      assert.strictEqual(r.headers['retry-after'], '1');
      assert.strictEqual(r.body.toString(), '{"message":"busy"}');
      assert.ok(r.headers['x-amzn-requestid']);
    }
    assert.strictEqual((await gqlRaw(sb)).status, 200);
    await fault({ target: 'graphql', status: 429 });
    const r = await gqlRaw(sb);
    assert.strictEqual(r.status, 429);
    assert.ok(JSON.parse(r.body).errors[0].errorType);
  });

  await t.test('delay_ms delays, then serves normally', async () => {
    await fault({ target: 'graphql', delay_ms: 300 });
    const t0 = Date.now();
    const r = await gqlRaw(sb);
    assert.ok(Date.now() - t0 >= 290);
    assert.strictEqual(r.status, 200);
    assert.ok(JSON.parse(r.body).data.client.id);
  });

  await t.test('reset before_read drops the connection; the mutation is not applied', async () => {
    const before = (await data(sb, '{ listTakes(first: 100) { items { id } } }')).listTakes.items.length;
    const fileId = await uploadedFile(sb);
    await fault({ target: 'graphql', reset: 'before_read' });
    const body = JSON.stringify({ query: `mutation { createSingleCamTake(sources: [{fileId: "${fileId}", deviceLabel: "x", format: MP4}]) { id } }` });
    const r = await gqlRaw(sb, body);
    assert.ok(r.error, 'connection dropped');
    const after = (await data(sb, '{ listTakes(first: 100) { items { id } } }')).listTakes.items.length;
    assert.strictEqual(after, before);
  });

  await t.test('reset after_read applies the mutation, then drops the connection', async () => {
    await fault({ target: 'graphql', reset: 'after_read' });
    const body = JSON.stringify({ query: 'mutation { createFile(type: "mov", name: "after-read") { id } }' });
    const r = await gqlRaw(sb, body);
    assert.ok(r.error, 'connection dropped');
    const d = await data(sb, '{ client { id } }');
    assert.ok(d.client.id);
    const files = [...sb.app.store.files.values()].filter((f) => f.name === 'after-read');
    assert.strictEqual(files.length, 1, 'the mutation was applied');
  });

  await t.test('truncate announces the full length and sends half', async () => {
    await fault({ target: 'graphql', truncate: true });
    const r = await gqlRaw(sb);
    assert.ok(r.error || r.aborted || r.complete === false, JSON.stringify(r));
  });

  await t.test('body: a 200 with a non-JSON body', async () => {
    await fault({ target: 'graphql', body: '<not json>' });
    const r = await gqlRaw(sb);
    assert.strictEqual(r.status, 200);
    assert.strictEqual(r.body.toString(), '<not json>');
  });

  await t.test('html: a 502 page as a load balancer sends', async () => {
    await fault({ target: 'any', html: true });
    const r = await gqlRaw(sb);
    assert.strictEqual(r.status, 502);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.body.toString(), /<html>/);
  });

  await t.test('upload and download faults match only their target; etag lies', async () => {
    const f = (await data(sb, 'mutation { createFile(type: "mp4") { id presignedUrl } }')).createFile;
    await fault({ target: 'download', status: 500 });
    await fault({ target: 'upload', status: 503 });
    assert.strictEqual((await gqlRaw(sb)).status, 200, 'graphql untouched');
    const up = await raw(f.presignedUrl, { method: 'PUT', body: 'data' });
    assert.strictEqual(up.status, 503);
    assert.match(up.body.toString(), /<Error>/);
    await fault({ target: 'upload', etag: '"bogus"' });
    const up2 = await raw(f.presignedUrl, { method: 'PUT', body: 'data-data' });
    assert.strictEqual(up2.status, 200);
    assert.strictEqual(up2.headers.etag, '"bogus"');
    const url = (await data(sb, 'query($f: ID!) { getFile(fileId: $f) { presignedUrl } }', { f: f.id })).getFile.presignedUrl;
    assert.strictEqual((await raw(url)).status, 500);
    await fault({ target: 'download', etag: '"bogus"' });
    const d1 = await raw(url);
    assert.strictEqual(d1.headers.etag, '"bogus"');
    assert.strictEqual(d1.body.toString(), 'data-data');
    await fault({ target: 'download', truncate: true });
    const d2 = await raw(url);
    assert.ok(d2.aborted || d2.complete === false || d2.error, JSON.stringify(d2));
    await fault({ target: 'download', stall_ms: 300 });
    const t0 = Date.now();
    const d3 = await raw(url);
    assert.strictEqual(d3.body.toString(), 'data-data');
    assert.ok(Date.now() - t0 >= 280, 'the second half waited');
    const refused = await control(sb, 'faults', { target: 'upload', stall_ms: 5 });
    assert.strictEqual(refused.status, 400);
    assert.match(refused.json.error, /downloads only/);
    await fault({ target: 'download', reset: 'before_read' });
    assert.ok((await raw(url)).error);
    await fault({ target: 'upload', reset: 'before_read' });
    assert.ok((await raw(f.presignedUrl, { method: 'PUT', body: 'x' })).error);
    await fault({ target: 'upload', reset: 'after_read' });
    assert.ok((await raw(f.presignedUrl, { method: 'PUT', body: 'stored-anyway' })).error);
    assert.strictEqual((await raw(url)).body.toString(), 'stored-anyway');
    await fault({ target: 'upload', delay_ms: 50 });
    assert.strictEqual((await raw(f.presignedUrl, { method: 'PUT', body: 'x' })).status, 200);
    await fault({ target: 'download', body: 'garbage' });
    assert.strictEqual((await raw(url)).body.toString(), 'garbage');
    await fault({ target: 'upload', html: true });
    assert.strictEqual((await raw(f.presignedUrl, { method: 'PUT', body: 'x' })).status, 502);
    await fault({ target: 'upload', truncate: true });
    const up3 = await raw(f.presignedUrl, { method: 'PUT', body: 'x' });
    assert.ok(up3.aborted || up3.complete === false || up3.error, JSON.stringify(up3));
  });

  await t.test('faults are listed, cleared, validated, and counted in stats', async () => {
    await fault({ target: 'graphql', count: 5, status: 500 });
    assert.strictEqual((await control(sb, 'faults', undefined, 'GET')).json.pending.length, 1);
    await control(sb, 'faults', undefined, 'DELETE');
    assert.strictEqual((await gqlRaw(sb)).status, 200);
    for (const bad of [{ target: 'nowhere', status: 500 }, { status: 500, html: true }, { reset: 'sometime' }, { count: 0, status: 500 }, {}]) {
      assert.strictEqual((await control(sb, 'faults', bad)).status, 400, JSON.stringify(bad));
    }
    await control(sb, 'reset');
    await fault({ target: 'graphql', status: 500 });
    await gqlRaw(sb);
    await gqlRaw(sb);
    const s = (await control(sb, 'stats', undefined, 'GET')).json;
    assert.deepStrictEqual(s.requests, { graphql: 2, upload: 0, download: 0 });
    assert.ok(s.connections >= 2);
    assert.ok(s.bytes_in > 0 && s.bytes_out > 0);
  });
});
