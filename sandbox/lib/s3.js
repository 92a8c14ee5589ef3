'use strict';
/**
 * Presigned URLs in the style of S3 query-string authentication (signature
 * version 2): HMAC-SHA1 over "METHOD\nContent-MD5\nContent-Type\nExpires\n/bucket/key",
 * and the PUT / GET handlers that check them. Uploads stream to disk while
 * the MD5 is computed; downloads stream from disk (or from the output
 * pattern) with Range support.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline, Readable } = require('node:stream');
const { randomToken } = require('./ids');
const { send, sendS3Error, drain } = require('./respond');
const { removeQuietly } = require('./store');

const UPLOAD_BUCKET = 'moveugc-sandbox-uploads';
const SMALL_BODY = 1024 * 1024;

class S3 {
  constructor({ store, clock, urlSeconds, tmpDir }) {
    this.store = store;
    this.clock = clock;
    this.urlSeconds = urlSeconds;
    this.tmpDir = tmpDir;
    this.secret = crypto.randomBytes(32);
    this.accessKeyId = 'ASIA' + crypto.randomBytes(8).toString('hex').toUpperCase();
    this.token = randomToken(48, 'base64');
  }

  /** Give an upload file its object path. */
  register(file) {
    file.objectPath = `/${UPLOAD_BUCKET}/${file.clientId}/${file.id}.${encodeURIComponent(file.type)}`;
    this.store.objects.set(file.objectPath, file);
  }

  sign(method, contentMd5, contentType, expires, objectPath) {
    return crypto.createHmac('sha1', this.secret)
      .update(`${method}\n${contentMd5}\n${contentType}\n${expires}\n${objectPath}`).digest('base64');
  }

  /** A freshly signed URL for `method` on the file, valid --url-seconds from now (sandbox clock). */
  presign(baseUrl, method, file) {
    const expires = this.clock.nowSeconds() + this.urlSeconds;
    const sig = this.sign(method, '', '', expires, file.objectPath);
    return `${baseUrl}/s3${file.objectPath}?AWSAccessKeyId=${this.accessKeyId}&Expires=${expires}` +
      `&Signature=${encodeURIComponent(sig)}&x-amz-security-token=${encodeURIComponent(this.token)}`;
  }

  /** Check a request against its query-string signature: { file } or { status, code, message }. */
  verify(req, objectPath, query) {
    const sig = query.get('Signature');
    const expires = query.get('Expires');
    if (!sig || !expires || !query.get('AWSAccessKeyId')) {
      return deny('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
    }
    if (query.get('AWSAccessKeyId') !== this.accessKeyId) {
      return deny('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    if (query.get('x-amz-security-token') !== this.token) {
      return deny('InvalidToken', 'The provided token is malformed or otherwise invalid.');
    }
    const expected = Buffer.from(this.sign(req.method, req.headers['content-md5'] || '',
      req.headers['content-type'] || '', expires, objectPath));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      return deny('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    if (!/^\d+$/.test(expires) || Number(expires) < this.clock.nowSeconds()) {
      return deny('AccessDenied', 'Request has expired');
    }
    const file = this.store.objects.get(objectPath);
    if (!file) return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
    return { file };
  }

  /** PUT: verify before 100 Continue, then stream the body to disk. */
  upload(req, res, { objectPath, query, mods, expectContinue }) {
    const v = this.verify(req, objectPath, query);
    if (!v.file || v.file.origin !== 'upload') {
      const err = v.file ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : v;
      refuseBody(req, res, expectContinue, () => sendS3Error(req, res, err.status, err.code, err.message, mods));
      return;
    }
    const file = v.file;
    if (expectContinue) res.writeContinue();
    const part = path.join(this.tmpDir, `${file.id}.${crypto.randomBytes(6).toString('hex')}.part`);
    const hash = crypto.createHash('md5');
    let size = 0;
    req.on('data', (c) => { hash.update(c); size += c.length; });
    pipeline(req, fs.createWriteStream(part), (err) => {
      if (err) {
        removeQuietly(part);
        return;
      }
      const md5 = hash.digest('hex');
      const final = path.join(this.tmpDir, `${file.id}.data`);
      fs.rename(part, final, (renameErr) => {
        if (renameErr) {
          removeQuietly(part);
          sendS3Error(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.', mods);
          return;
        }
        Object.assign(file, { diskPath: final, size, md5, uploaded: true, uploadedUs: this.clock.stampUs() });
        send(req, res, 200, { ETag: mods.etag || `"${md5}"` }, '', mods);
      });
    });
  }

  /** GET / HEAD: stream an uploaded file or an output, honouring Range. */
  download(req, res, { objectPath, query, mods }) {
    const v = this.verify(req, objectPath, query);
    if (!v.file) {
      drain(req).then(() => sendS3Error(req, res, v.status, v.code, v.message, mods));
      return;
    }
    const file = v.file;
    if (file.origin === 'upload' && !file.uploaded) {
      sendS3Error(req, res, 404, 'NoSuchKey', 'The specified key does not exist.', mods);
      return;
    }
    const size = file.origin === 'upload' ? file.size : this.store.outputSize(file);
    const etag = mods.etag || `"${this.md5Of(file)}"`;
    const headers = { 'Accept-Ranges': 'bytes', ETag: etag, 'Content-Type': 'application/octet-stream',
      'Last-Modified': new Date(file.createdUs / 1000).toUTCString() };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      sendS3Error(req, res, 416, 'InvalidRange', 'The requested range is not satisfiable', mods,
        { 'Content-Range': `bytes */${size}` });
      return;
    }
    if (range) {
      [start, end] = range;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    const length = end - start + 1;
    if (mods.dropAfterRead) { req.socket.destroy(); return; }
    res.writeHead(status, { ...headers, 'Content-Length': length });
    if (req.method === 'HEAD' || length === 0) { res.end(); return; }
    if (mods.stallMs !== undefined && length > 1) {
      // half the body, a pause, then the rest: a transfer caught in the middle
      const half = Math.floor(length / 2);
      const first = this.readStream(file, start, start + half - 1);
      first.on('data', (c) => res.write(c));
      first.on('error', () => req.socket.destroy());
      first.on('end', () => setTimeout(() => {
        if (req.socket.destroyed) return;
        pipeline(this.readStream(file, start + half, end), res, () => {});
      }, mods.stallMs));
      return;
    }
    const sendUpTo = mods.truncate ? Math.floor(length / 2) : length;
    const stream = this.readStream(file, start, start + sendUpTo - 1);
    if (mods.truncate) {
      stream.on('data', (c) => res.write(c));
      stream.on('end', () => req.socket.destroy());
      stream.on('error', () => req.socket.destroy());
      return;
    }
    pipeline(stream, res, () => {});
  }

  /** Bytes [start, end] of a file, as a stream. */
  readStream(file, start, end) {
    if (end < start) return Readable.from([]);
    if (file.origin === 'upload') return fs.createReadStream(file.diskPath, { start, end });
    return patternStream(this.store.outputPattern(file), start, end);
  }

  md5Of(file) {
    if (file.origin === 'upload') return file.md5;
    const size = this.store.outputSize(file);
    const memoKey = `${file.outKey}\n${size}`;
    if (file.md5Memo !== memoKey) {
      // a block of whole pattern lines (about 1 MiB), so that each block
      // starts where the bytes served are at the start of a line
      const pattern = this.store.outputPattern(file);
      const block = repeatPattern(pattern, 0, pattern.length * Math.max(1, Math.floor((1 << 20) / pattern.length)));
      const hash = crypto.createHash('md5');
      for (let done = 0; done < size; done += block.length) hash.update(block.subarray(0, Math.min(block.length, size - done)));
      file.md5 = hash.digest('hex');
      file.md5Memo = memoKey;
    }
    return file.md5;
  }
}

function deny(code, message) {
  return { status: 403, code, message };
}

/** Answer without taking a body the client may be about to send. */
function refuseBody(req, res, expectContinue, answer) {
  const length = Number(req.headers['content-length'] || 0);
  if (expectContinue || length > SMALL_BODY || req.headers['transfer-encoding']) {
    res.setHeader('Connection', 'close');
    answer();
    return;
  }
  drain(req).then(answer);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` -> [start, end]; null when absent or ignorable. */
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

/** `length` bytes of the endlessly repeated pattern, starting at offset `from`. */
function repeatPattern(pattern, from, length) {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length;) {
    const offset = (from + i) % pattern.length;
    i += pattern.copy(buf, i, offset, Math.min(pattern.length, offset + length - i));
  }
  return buf;
}

function patternStream(pattern, start, end) {
  let pos = start;
  return new Readable({
    read() {
      if (pos > end) { this.push(null); return; }
      const n = Math.min(65536, end - pos + 1);
      this.push(repeatPattern(pattern, pos, n));
      pos += n;
    },
  });
}

module.exports = { S3, parseRange, repeatPattern };
