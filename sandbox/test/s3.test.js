'use strict';
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const http = require('node:http');
const { Readable } = require('node:stream');
const { startSandbox, data, control, request, singleCamTake, outputBytes } = require('../testlib/helpers');

const xmlCode = (body) => (/<Code>([^<]+)<\/Code>/.exec(body.toString()) || [])[1];

async function newFile(sb) {
  return (await data(sb, 'mutation { createFile(type: "mp4") { id presignedUrl } }')).createFile;
}

async function downloadUrl(sb, id) {
  return (await data(sb, 'query($f: ID!) { getFile(fileId: $f) { presignedUrl } }', { f: id })).getFile.presignedUrl;
}

/** PUT with Expect: 100-continue; resolves { continued, status, headers, body }. */
function putExpectingContinue(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { Expect: '100-continue', 'Content-Length': body.length } });
    let continued = false;
    req.on('continue', () => { continued = true; req.end(body); });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ continued, status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

test('presigned URLs and the S3 endpoints', async (t) => {
  const sb = await startSandbox({ urlSeconds: 60 });
  t.after(() => sb.close());

  await t.test('createFile gives a signed PUT URL in S3 query-string style', async () => {
    const f = await newFile(sb);
    const u = new URL(f.presignedUrl);
    assert.strictEqual(u.origin, sb.base);
    assert.ok(u.pathname.startsWith('/s3/'));
    for (const p of ['AWSAccessKeyId', 'Expires', 'Signature', 'x-amz-security-token']) assert.ok(u.searchParams.get(p), p);
    const expires = Number(u.searchParams.get('Expires'));
    assert.ok(Math.abs(expires - (Date.now() / 1000 + 60)) < 5);
  });

  await t.test('wrong method, unsigned Content-Type / Content-MD5, tampering -> 403 XML', async () => {
    const f = await newFile(sb);
    const body = Buffer.from('abc');
    const cases = [
      [f.presignedUrl, { method: 'GET' }, 'SignatureDoesNotMatch'],
      [f.presignedUrl, { method: 'PUT', body, headers: { 'Content-Type': 'video/mp4' } }, 'SignatureDoesNotMatch'],
      [f.presignedUrl, { method: 'PUT', body, headers: { 'Content-MD5': crypto.createHash('md5').update(body).digest('base64') } }, 'SignatureDoesNotMatch'],
      [f.presignedUrl.replace(/Expires=(\d+)/, (_, n) => `Expires=${Number(n) + 1000}`), { method: 'PUT', body }, 'SignatureDoesNotMatch'],
      [f.presignedUrl.replace(/Signature=[^&]+/, 'Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D'), { method: 'PUT', body }, 'SignatureDoesNotMatch'],
      [f.presignedUrl.replace('.mp4?', '.mov?'), { method: 'PUT', body }, 'SignatureDoesNotMatch'],
      [f.presignedUrl.replace(/&Signature=[^&]+/, ''), { method: 'PUT', body }, 'AccessDenied'],
    ];
    for (const [url, opts, code] of cases) {
      const r = await request(url, opts);
      assert.strictEqual(r.status, 403, `${opts.method} ${JSON.stringify(opts.headers)}`);
      assert.strictEqual(r.headers['content-type'], 'application/xml');
      assert.match(r.body.toString(), /^<\?xml [^>]*\?>\s*<Error><Code>/);
      assert.strictEqual(xmlCode(r.body), code);
      assert.match(r.body.toString(), /<RequestId>[^<]+<\/RequestId>/);
    }
    const ok = await request(f.presignedUrl, { method: 'PUT', body });
    assert.strictEqual(ok.status, 200);
  });

  await t.test('expired URLs (sandbox clock) -> 403 AccessDenied "Request has expired"', async () => {
    const f = await newFile(sb);
    await control(sb, 'clock', { advance_seconds: 61 });
    const r = await request(f.presignedUrl, { method: 'PUT', body: 'x' });
    assert.strictEqual(r.status, 403);
    assert.strictEqual(xmlCode(r.body), 'AccessDenied');
    assert.match(r.body.toString(), /<Message>Request has expired<\/Message>/);
    // a fresh read signs a fresh URL that works
    const fresh = (await data(sb, 'query($f: ID!) { getFile(fileId: $f) { presignedUrl } }', { f: f.id })).getFile.presignedUrl;
    assert.notStrictEqual(fresh, f.presignedUrl);
    assert.strictEqual((await request(fresh, { method: 'PUT', body: 'x' })).status, 200);
  });

  await t.test('100-continue: sent after a good signature, never for a bad one', async () => {
    const f = await newFile(sb);
    const body = Buffer.from('continue me');
    const good = await putExpectingContinue(f.presignedUrl, body);
    assert.ok(good.continued);
    assert.strictEqual(good.status, 200);
    assert.strictEqual(good.headers.etag, `"${crypto.createHash('md5').update(body).digest('hex')}"`);
    const bad = await putExpectingContinue(f.presignedUrl.replace(/Signature=[^&]+/, 'Signature=bad'), body);
    assert.strictEqual(bad.continued, false);
    assert.strictEqual(bad.status, 403);
    assert.strictEqual(xmlCode(bad.body), 'SignatureDoesNotMatch');
  });

  await t.test('not yet uploaded: getFile gives the PUT URL again, a GET of the object is 404 NoSuchKey', async () => {
    const f = await newFile(sb);
    const again = await downloadUrl(sb, f.id);
    assert.strictEqual(again.split('?')[0], f.presignedUrl.split('?')[0]);
    const getSigned = sb.app.s3.presign(sb.base, 'GET', sb.app.store.files.get(f.id));
    const r = await request(getSigned);
    assert.strictEqual(r.status, 404);
    assert.strictEqual(xmlCode(r.body), 'NoSuchKey');
    assert.strictEqual((await request(again, { method: 'PUT', body: 'now' })).status, 200, 'the URL from getFile is a PUT URL');
    assert.strictEqual((await request(getSigned)).body.toString(), 'now');
  });

  await t.test('a streamed 256 MiB upload: ETag is the MD5, download and ranges match', async () => {
    const f = await newFile(sb);
    const chunk = crypto.randomBytes(1 << 20);
    const total = 256;
    const md5 = crypto.createHash('md5');
    for (let i = 0; i < total; i += 1) md5.update(chunk);
    const expected = md5.digest('hex');
    let sent = 0;
    const source = new Readable({ read() { if (sent === total) { this.push(null); return; } sent += 1; this.push(chunk); } });
    const before = process.memoryUsage().rss;
    const up = await request(f.presignedUrl, { method: 'PUT', body: source, headers: { 'Content-Length': total << 20 } });
    assert.strictEqual(up.status, 200);
    assert.strictEqual(up.headers.etag, `"${expected}"`);
    assert.ok(process.memoryUsage().rss - before < 128 * 1024 * 1024, 'upload was not held in memory');
    const url = await downloadUrl(sb, f.id);
    assert.ok(url !== f.presignedUrl);
    // a full GET, hashed as it streams
    const got = await new Promise((resolve, reject) => {
      http.get(url, (res) => {
        const h = crypto.createHash('md5');
        let n = 0;
        res.on('data', (c) => { h.update(c); n += c.length; });
        res.on('end', () => resolve({ res, n, md5: h.digest('hex') }));
      }).on('error', reject);
    });
    assert.strictEqual(got.res.statusCode, 200);
    assert.strictEqual(Number(got.res.headers['content-length']), total << 20);
    assert.strictEqual(got.res.headers['accept-ranges'], 'bytes');
    assert.strictEqual(got.res.headers.etag, `"${expected}"`);
    assert.strictEqual(got.n, total << 20);
    assert.strictEqual(got.md5, expected);
    const size = total << 20;
    const r1 = await request(url, { headers: { Range: `bytes=${size - 10}-${size + 50}` } });
    assert.strictEqual(r1.status, 206);
    assert.strictEqual(r1.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
    assert.deepStrictEqual(r1.body, chunk.subarray(chunk.length - 10));
    const r2 = await request(url, { headers: { Range: 'bytes=1048570-1048579' } });
    assert.strictEqual(r2.status, 206);
    assert.deepStrictEqual(r2.body, Buffer.concat([chunk.subarray(1048570), chunk.subarray(0, 4)]));
  });

  await t.test('an output over 1 MiB: the ETag is the MD5 of the bytes served', async () => {
    const takeId = await singleCamTake(sb);
    const job = (await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t, outputs: [MAIN_FBX]) { id } }',
      { t: takeId })).createSingleCamJob;
    // a size that is no whole number of pattern lines, nor of 1 MiB blocks
    const size = 3 * (1 << 20) + 12345;
    assert.strictEqual((await control(sb, `jobs/${job.id}`, { state: 'FINISHED', output_bytes: size })).status, 200);
    const j = (await data(sb, 'query($j: ID!) { getJob(jobId: $j) { outputs { key file { presignedUrl } } } }',
      { j: job.id })).getJob;
    const got = await request(j.outputs[0].file.presignedUrl);
    assert.strictEqual(got.status, 200);
    assert.strictEqual(got.body.length, size);
    assert.deepStrictEqual(got.body, outputBytes(job.id, 'MAIN_FBX', size));
    assert.strictEqual(got.headers.etag, `"${crypto.createHash('md5').update(got.body).digest('hex')}"`);
  });

  await t.test('Range: 206 for a-b, a- and -n; 416 when unsatisfiable', async () => {
    const f = await newFile(sb);
    const content = Buffer.from('0123456789abcdefghij');
    await request(f.presignedUrl, { method: 'PUT', body: content });
    const url = await downloadUrl(sb, f.id);
    const cases = [['bytes=0-4', '01234', 'bytes 0-4/20'], ['bytes=15-', 'fghij', 'bytes 15-19/20'], ['bytes=-3', 'hij', 'bytes 17-19/20']];
    for (const [range, body, cr] of cases) {
      const r = await request(url, { headers: { Range: range } });
      assert.strictEqual(r.status, 206, range);
      assert.strictEqual(r.body.toString(), body);
      assert.strictEqual(r.headers['content-range'], cr);
      assert.strictEqual(Number(r.headers['content-length']), body.length);
    }
    const r416 = await request(url, { headers: { Range: 'bytes=20-30' } });
    assert.strictEqual(r416.status, 416);
    assert.strictEqual(r416.headers['content-range'], 'bytes */20');
    assert.strictEqual(xmlCode(r416.body), 'InvalidRange');
    const whole = await request(url);
    assert.strictEqual(whole.status, 200);
    assert.deepStrictEqual(whole.body, content);
    const head = await request(url, { method: 'HEAD' });
    assert.strictEqual(head.status, 403, 'a GET-signed URL does not sign HEAD');
    const put = await request(url, { method: 'PUT', body: 'x' });
    assert.strictEqual(put.status, 403, 'a GET-signed URL does not sign PUT');
  });
});
