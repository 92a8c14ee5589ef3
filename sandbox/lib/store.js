'use strict';
/**
 * In-memory state of every client: files, takes, jobs, volumes, webhook
 * endpoints and share codes. Records of all clients live in one map per kind;
 * every lookup checks the owner, so a key never sees another client's data.
 */
const fs = require('node:fs');
const { newId } = require('./ids');
const { notFound } = require('./errors');
const { DEFAULT_OUTPUT_BYTES } = require('./catalogue');

class Store {
  constructor({ clock, keys }) {
    this.clock = clock;
    this.keys = keys;
    this.reset();
  }

  reset() {
    for (const f of this.files ? this.files.values() : []) removeQuietly(f.diskPath);
    this.files = new Map();
    this.takes = new Map();
    this.jobs = new Map();
    this.volumes = new Map();
    this.shareCodes = new Map();
    this.objects = new Map(); // object path (/bucket/key) -> file record
    this.clientsByKey = new Map();
    this.clients = new Map();
    let n = 0;
    for (const key of this.keys) {
      n += 1;
      const client = {
        __typename: 'Client', id: newId('client'), name: `Sandbox client ${n}`, createdUs: this.clock.stampUs(),
        metadata: null, lists: { files: [], takes: [], jobs: [], volumes: [] }, webhooks: new Map(),
      };
      this.clientsByKey.set(key, client);
      this.clients.set(client.id, client);
    }
  }

  clientByKey(key) {
    return key === undefined ? undefined : this.clientsByKey.get(key);
  }

  /** Store a new record of `kind` for `client`, stamping id and creation time. */
  add(client, kind, prefix, fields) {
    const rec = { ...fields, id: newId(prefix), clientId: client.id, createdUs: this.clock.stampUs() };
    this[kind].set(rec.id, rec);
    client.lists[kind].push(rec);
    return rec;
  }

  /** The record, or MoveNotFoundError when unknown or another client's. */
  get(client, kind, id) {
    const rec = this[kind].get(id);
    if (!rec || rec.clientId !== client.id) throw notFound();
    return rec;
  }

  /** Records in creation order (ascending), optionally filtered. */
  list(client, kind, filter) {
    const all = client.lists[kind];
    return filter ? all.filter(filter) : all;
  }

  /** A job output or volume output as a file record with bytes made on demand. */
  addOutputFile(owner, key, format) {
    const client = this.clients.get(owner.clientId);
    const file = this.add(client, 'files', 'file', {
      __typename: 'File', type: format, name: null, metadata: null, origin: 'output', owner, outKey: key,
    });
    file.objectPath = `/moveugc-sandbox-outputs/${owner.id}/${file.id}`;
    this.objects.set(file.objectPath, file);
    return file;
  }

  /** Bytes of an output file: `moveugc-sandbox <ownerId> <key>\n` repeated, cut to the size. */
  outputPattern(file) {
    return Buffer.from(`moveugc-sandbox ${file.owner.id} ${file.outKey}\n`);
  }

  outputSize(file) {
    const n = file.owner.outputBytes;
    return n === undefined ? DEFAULT_OUTPUT_BYTES : n;
  }
}

function removeQuietly(p) {
  if (p) fs.rm(p, { force: true }, () => {});
}

module.exports = { Store, removeQuietly };
