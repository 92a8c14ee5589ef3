'use strict';
/**
 * --request-log: one JSON line per GraphQL request. Keys are never logged
 * (the Authorization header is not read here), and variables whose names look
 * secret, or strings carrying URL signatures, are redacted.
 */
const fs = require('node:fs');

const SECRET_NAME = /secret|password|token|authorization|signature|api[-_]?key/i;

function redact(value, name) {
  if (name && SECRET_NAME.test(name)) return '[redacted]';
  if (typeof value === 'string') {
    return value.replace(/whsec_[A-Za-z0-9+/=]+/g, 'whsec_[redacted]').replace(/([?&](?:Signature|x-amz-security-token|X-Amz-Signature|X-Amz-Credential)=)[^&\s"]*/gi, '$1[redacted]');
  }
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function openRequestLog(file) {
  const stream = fs.createWriteStream(file, { flags: 'a' });
  return {
    write({ operation = null, query = null, variables = null, status, ms }) {
      const line = { time: new Date().toISOString(), operation, query: redact(query), variables: redact(variables), status, ms: Math.round(ms * 1000) / 1000 };
      stream.write(JSON.stringify(line) + '\n');
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

module.exports = { openRequestLog, redact };
