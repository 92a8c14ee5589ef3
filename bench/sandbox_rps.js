#!/usr/bin/env node
'use strict';
/**
 * Benchmark (not a test): how many simple GraphQL requests per second the
 * sandbox serves, sent one after another on ONE kept-alive connection.
 * Usage: node bench/sandbox_rps.js [seconds=3]
 * Target: at least 2,000 requests/second, so the sandbox never dominates the
 * SDK's own measurements.
 */
const http = require('node:http');
const path = require('node:path');
const { start, DEFAULT_KEY } = require(path.join(__dirname, '..', 'sandbox', 'lib', 'app'));

const TARGET = 2000;
const SECONDS = Number(process.argv[2] || 3);
const WARMUP_REQUESTS = 500;

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, Authorization: DEFAULT_KEY },
    }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => (res.statusCode === 200 && n > 0 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const sandbox = await start({ port: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = Buffer.from(JSON.stringify({ query: '{ client { id } }' }));
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i += 1) await post(agent, sandbox.url, body);
    const before = sandbox.app.stats().connections;
    let count = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(SECONDS * 1e9));
    while (process.hrtime.bigint() < end) {
      await post(agent, sandbox.url, body);
      count += 1;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rps = count / secs;
    const connections = sandbox.app.stats().connections - before;
    console.log(`sandbox: ${count} requests in ${secs.toFixed(2)} s ${connections === 0 ? 'on one kept-alive connection' : `over ${connections + 1} connections`}`);
    console.log(`sandbox: ${rps.toFixed(0)} requests/second (target ${TARGET}): ${rps >= TARGET ? 'MEETS the target' : 'BELOW the target'}`);
    process.exitCode = rps >= TARGET ? 0 : 1;
  } finally {
    agent.destroy();
    await sandbox.close();
  }
}

main().catch((err) => { console.error(err); process.exit(2); });
