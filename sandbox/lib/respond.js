'use strict';
/** Writing responses, honouring the fault modifiers of the request (see faults.js). */
const zlib = require('node:zlib');

/**
 * Send a complete body. `mods.truncate` announces the full length but sends
 * half the body and drops the connection; `mods.dropAfterRead` drops the
 * connection instead of answering.
 */
function send(req, res, status, headers, body, mods = {}) {
  if (mods.dropAfterRead) {
    req.socket.destroy();
    return;
  }
  let buf = typeof body === 'string' ? Buffer.from(body) : body || Buffer.alloc(0);
  if (mods.truncate && buf.length === 0) buf = Buffer.from(' '.repeat(64));
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Length', buf.length);
  if (mods.truncate) {
    res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => req.socket.destroy());
    return;
  }
  res.end(buf);
}

/** Send JSON, gzipped when the client accepts it. */
function sendJson(req, res, status, value, mods, extraHeaders) {
  let body = Buffer.from(JSON.stringify(value));
  const headers = { 'Content-Type': 'application/json; charset=UTF-8', ...extraHeaders };
  const ae = req.headers['accept-encoding'];
  if (ae && /\bgzip\b/i.test(ae)) {
    body = zlib.gzipSync(body, { level: 1 });
    headers['Content-Encoding'] = 'gzip';
    headers.Vary = 'Accept-Encoding';
  }
  send(req, res, status, headers, body, mods);
}

function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/** An S3-style XML error. */
function sendS3Error(req, res, status, code, message, mods, extraHeaders) {
  const rid = res.getHeader('x-amzn-RequestId');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message><RequestId>${xmlEscape(rid)}</RequestId></Error>`;
  send(req, res, status, { 'Content-Type': 'application/xml', ...extraHeaders }, body, mods);
}

/** Read a whole (small) body, refusing more than `limit` bytes. */
function readBody(req, limit = 16 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { tooLarge: true }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Read and discard a request body (never held in memory); resolves at its end. */
function drain(req) {
  return new Promise((resolve) => {
    if (req.readableEnded) { resolve(); return; }
    req.on('end', resolve);
    req.on('error', resolve);
    req.resume();
  });
}

module.exports = { send, sendJson, sendS3Error, readBody, drain };
