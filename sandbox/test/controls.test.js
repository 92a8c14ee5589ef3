'use strict';
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const { startSandbox, data, gql, control, request, uploadedFile, singleCamTake } = require('../testlib/helpers');

test('controls: reset, stats, clock, unknown routes', async (t) => {
  const sb = await startSandbox();
  t.after(() => sb.close());

  await t.test('stats count connections, requests by kind and bytes', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    await control(sb, 'reset', undefined, 'POST', agent);
    const fileId = await uploadedFile(sb);
    const url = (await data(sb, 'query($f: ID!) { getFile(fileId: $f) { presignedUrl } }', { f: fileId })).getFile.presignedUrl;
    await request(url);
    await request(url, { headers: { Range: 'bytes=0-1' } });
    const zipped = await gql(sb, '{ client { id } }', {}, { headers: { 'Accept-Encoding': 'deflate, gzip' } });
    assert.strictEqual(zipped.headers['content-encoding'], 'gzip');
    const s = (await control(sb, 'stats', undefined, 'GET', agent)).json;
    assert.deepStrictEqual(Object.keys(s).sort(), ['bytes_in', 'bytes_out', 'connections', 'graphql_gzip', 'requests']);
    assert.deepStrictEqual(s.requests, { graphql: 3, upload: 1, download: 2 });
    assert.strictEqual(s.graphql_gzip, 1); // the one that accepted gzip
    assert.ok(s.connections >= 1 && s.connections <= 5, String(s.connections));
    assert.ok(s.bytes_in > 300 && s.bytes_out > 300);
  });

  await t.test('reset empties state and gives fresh client ids; keys keep working', async () => {
    const before = (await data(sb, '{ client { id } }')).client.id;
    await singleCamTake(sb);
    assert.strictEqual((await data(sb, '{ listTakes { items { id } } }')).listTakes.items.length, 1);
    await control(sb, 'clock', { advance_seconds: 10 });
    assert.strictEqual((await control(sb, 'reset')).status, 200);
    const after = await data(sb, '{ client { id } listTakes { items { id } } }');
    assert.notStrictEqual(after.client.id, before);
    assert.deepStrictEqual(after.listTakes.items, []);
    assert.strictEqual((await control(sb, 'clock', undefined, 'GET')).json.offset_seconds, 0);
    assert.strictEqual((await control(sb, 'stats', undefined, 'GET')).json.requests.graphql, 1);
  });

  await t.test('clock advances and reports; bad input and unknown controls are refused', async () => {
    const c = await control(sb, 'clock', { advance_seconds: 2.5 });
    assert.strictEqual(c.json.offset_seconds, 2.5);
    assert.ok(Math.abs(Date.parse(c.json.now) - (Date.now() + 2500)) < 1000);
    assert.strictEqual((await control(sb, 'clock', { advance_seconds: -1 })).status, 400);
    assert.strictEqual((await control(sb, 'clock', { advance_seconds: 'x' })).status, 400);
    assert.strictEqual((await control(sb, 'nothing-here', {})).status, 404);
    const notJson = await request(`${sb.base}/_sandbox/faults`, { method: 'POST', body: '{oops' });
    assert.strictEqual(notJson.status, 400);
    const elsewhere = await request(`${sb.base}/elsewhere`);
    assert.strictEqual(elsewhere.status, 404);
    assert.ok(elsewhere.headers['x-amzn-requestid']);
  });
});
