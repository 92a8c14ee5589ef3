'use strict';
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const http = require('node:http');
const { startSandbox, gql, data, control, singleCamTake, until } = require('../testlib/helpers');
const { svixSignature } = require('../lib/webhooks');

/** The verification recipe of API-NOTES, written independently of the sandbox. */
function verify(secret, headers, rawBody, nowSeconds = Math.floor(Date.now() / 1000)) {
  const h = (n) => headers[`svix-${n}`] ?? headers[`webhook-${n}`];
  const [id, ts, sigs] = [h('id'), h('timestamp'), h('signature')];
  if (!id || !ts || !sigs) return false;
  if (Math.abs(nowSeconds - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = crypto.createHmac('sha256', key).update(`${id}.${ts}.`).update(rawBody).digest();
  return sigs.split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

/** The test vector Svix publishes for its signature scheme. */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

/** A loopback receiver answering with the scripted statuses (then 200). */
async function receiver(statuses = []) {
  const hits = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hits.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = statuses.length ? statuses.shift() : 200;
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { hits, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => new Promise((r) => server.close(r)) };
}

const UPSERT = `mutation($uid: String!, $url: String!, $events: [String!], $secret: String) {
  upsertWebhookEndpoint(uid: $uid, url: $url, events: $events, secret: $secret, description: "d") { uid url events secret description client { id } } }`;

test('the Svix recipe reproduces the published test vector', () => {
  const v = VECTOR;
  assert.ok(verify(v.secret, { 'svix-id': v.id, 'svix-timestamp': v.timestamp, 'svix-signature': v.signature }, Buffer.from(v.body), Number(v.timestamp)));
  assert.strictEqual(svixSignature(v.secret, v.id, v.timestamp, Buffer.from(v.body)), v.signature);
  assert.ok(!verify(v.secret, { 'svix-id': v.id, 'svix-timestamp': v.timestamp, 'svix-signature': v.signature }, Buffer.from(v.body + ' '), Number(v.timestamp)));
});

test('webhooks: delivery, signatures, retries, loopback only', async (t) => {
  const sb = await startSandbox({ jobSeconds: 0.3 });
  const rx = await receiver();
  t.after(async () => { await sb.close(); await rx.close(); });

  await t.test('endpoints: generated secret only at creation, loopback only, known events', async () => {
    const created = (await data(sb, UPSERT, { uid: 'gen', url: rx.url, events: ['ugc.job.state.completed'] })).upsertWebhookEndpoint;
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.strictEqual(Buffer.from(created.secret.slice(6), 'base64').length, 24);
    const again = (await data(sb, UPSERT, { uid: 'gen', url: rx.url, events: ['ugc.job.state.failed'] })).upsertWebhookEndpoint;
    assert.strictEqual(again.secret, null);
    assert.deepStrictEqual(again.events, ['ugc.job.state.failed']);
    for (const url of ['http://10.1.2.3/hook', 'https://example.com/hook', 'ftp://127.0.0.1/x', 'not a url']) {
      const r = await gql(sb, UPSERT, { uid: 'far', url, events: ['*'] });
      assert.strictEqual(r.json.errors[0].errorType, 'BadRequestException', url);
    }
    const unknown = await gql(sb, UPSERT, { uid: 'u', url: rx.url, events: ['ugc.nothing'] });
    assert.strictEqual(unknown.json.errors[0].errorType, 'BadRequestException');
  });

  await t.test('job events are delivered, signed with the endpoint secret', async () => {
    const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
    const ep = (await data(sb, UPSERT, { uid: 'all', url: rx.url, events: ['*'], secret })).upsertWebhookEndpoint;
    assert.strictEqual(ep.secret, secret);
    const takeId = await singleCamTake(sb);
    const job = (await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t) { id } }', { t: takeId })).createSingleCamJob.id;
    await until(() => rx.hits.filter((h) => JSON.parse(h.body).data.job_id === job).length >= 2);
    const mine = rx.hits.filter((h) => JSON.parse(h.body).data.job_id === job);
    const events = mine.map((h) => JSON.parse(h.body));
    assert.deepStrictEqual(events.map((e) => e.type), ['ugc.job.state.running', 'ugc.job.state.completed']);
    const client = (await data(sb, '{ client { id } }')).client.id;
    assert.deepStrictEqual(events[1].data, { job_id: job, take_id: takeId, client_id: client, state: 'FINISHED', percentage_complete: 100 });
    assert.match(events[1].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    for (const h of mine) {
      assert.match(h.headers['svix-id'], /^msg_/);
      assert.strictEqual(h.headers['content-type'], 'application/json');
      assert.ok(verify(secret, h.headers, h.body), 'signature verifies');
      assert.ok(!verify('whsec_' + crypto.randomBytes(24).toString('base64'), h.headers, h.body));
    }
    // the "gen" endpoint (failed only) got nothing for this job
    await control(sb, `jobs/${job}`, { state: 'FAILED' });
    await until(() => rx.hits.some((h) => JSON.parse(h.body).type === 'ugc.job.state.failed'));
  });

  await t.test('failed deliveries are retried with backoff, same message id', async () => {
    const flaky = await receiver([500, 503]);
    t.after(() => flaky.close());
    const secret = 'whsec_' + crypto.randomBytes(24).toString('base64');
    await data(sb, UPSERT, { uid: 'flaky', url: flaky.url, events: ['ugc.volume.state.completed'], secret });
    const a = (await data(sb, 'mutation { createFile(type: "mp4") { id } }')).createFile.id;
    const b = (await data(sb, 'mutation { createFile(type: "mp4") { id } }')).createFile.id;
    const vol = (await data(sb, `mutation($s: [SourceInput!]) { createVolumeWithHuman(sources: $s, humanHeight: 1.8, areaType: NORMAL) { id } }`,
      { s: [{ fileId: a, deviceLabel: 'a', format: 'MP4' }, { fileId: b, deviceLabel: 'b', format: 'MP4' }] })).createVolumeWithHuman.id;
    await control(sb, `jobs/${vol}`, { state: 'FINISHED' });
    await until(() => flaky.hits.length >= 3, 6000);
    const [h1, h2, h3] = flaky.hits;
    assert.strictEqual(h1.headers['svix-id'], h2.headers['svix-id']);
    assert.strictEqual(h2.headers['svix-id'], h3.headers['svix-id']);
    const gap1 = h2.at - h1.at;
    const gap2 = h3.at - h2.at;
    assert.ok(gap1 >= 450 && gap1 < 1400, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 950 && gap2 < 2200, `second retry after ${gap2} ms`);
    for (const h of flaky.hits) assert.ok(verify(secret, h.headers, h.body));
    assert.strictEqual(JSON.parse(h3.body).data.volume_id, vol);
    const report = (await control(sb, 'webhooks', undefined, 'GET')).json.deliveries.find((d) => d.endpoint === 'flaky');
    assert.strictEqual(report.state, 'delivered');
    assert.deepStrictEqual(report.attempts.map((x) => x.status), [500, 503, 200]);
  });
});
