'use strict';
const crypto = require('node:crypto');

/** `<prefix>-<uuid>`, the id shape of every Move UGC resource. */
function newId(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}

function randomToken(bytes, encoding = 'base64url') {
  return crypto.randomBytes(bytes).toString(encoding);
}

module.exports = { newId, randomToken, requestId: () => crypto.randomUUID() };
