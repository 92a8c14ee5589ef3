#!/usr/bin/env node
'use strict';
/**
 * moveugc sandbox: a local stand-in for the Move UGC GraphQL API.
 * Usage: node sandbox/server.js [--host 127.0.0.1] [--port 8917] [--api-key KEY]...
 *        [--job-seconds 3] [--url-seconds 900] [--request-log FILE] [--tls-cert F --tls-key F]
 */
const { start, DEFAULT_KEY } = require('./lib/app');

const USAGE = 'usage: node sandbox/server.js [--host 127.0.0.1] [--port 8917] [--api-key KEY]... ' +
  '[--job-seconds 3] [--url-seconds 900] [--request-log FILE] [--tls-cert F --tls-key F]';

function parseArgs(argv) {
  const opts = { apiKeys: [] };
  const number = (flag, v, min) => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) { value = flag.slice(eq + 1); flag = flag.slice(0, eq); }
    const next = () => {
      if (value !== undefined) return value;
      i += 1;
      if (i >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--host': opts.host = next(); break;
      case '--port': opts.port = number(flag, next(), 0); break;
      case '--api-key': {
        const key = next();
        if (!key) throw new Error('--api-key needs a non-empty key');
        opts.apiKeys.push(key);
        break;
      }
      case '--job-seconds': opts.jobSeconds = number(flag, next(), 0); break;
      case '--url-seconds': opts.urlSeconds = number(flag, next(), 1); break;
      case '--request-log': opts.requestLog = next(); break;
      case '--tls-cert': opts.tlsCert = next(); break;
      case '--tls-key': opts.tlsKey = next(); break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!Number.isInteger(opts.port ?? 0) || (opts.port ?? 0) > 65535) throw new Error('--port needs an integer 0..65535');
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  // Signal handlers come first, so a signal sent right after the first line is handled.
  let sandbox = null;
  let stopping = false;
  const exit0 = () => process.exit(0);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (sandbox) sandbox.close().then(exit0, exit0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    sandbox = await start(opts);
  } catch (err) {
    process.stderr.write(`moveugc-sandbox: cannot start: ${err.message}\n`);
    process.exit(1);
  }
  if (stopping) { sandbox.close().then(exit0, exit0); return; }
  const lines = [`moveugc-sandbox listening on ${sandbox.url}`];
  if (!opts.apiKeys.length) lines.push(`api key: ${DEFAULT_KEY}`);
  else lines.push(`api keys: ${opts.apiKeys.length} (the default key is off)`);
  lines.push(`temporary folder: ${sandbox.app.tmpDir}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main();
