'use strict';
/**
 * Resolvers for every query, mutation and object field. `svc` holds the
 * services (store, lifecycle, s3, webhooks, clock); the per-request context
 * holds { client, baseUrl }.
 */
const { isoMicro } = require('./clock');
const { badRequest, ValidationFailure } = require('./errors');
const { randomToken } = require('./ids');
const { RIGS, LENSES } = require('./catalogue');

const DEFAULT_PAGE = 10;
const MAX_PAGE = 100;
const CURSOR_SECONDS = 3600;
const SHARE_CODE_DAYS = 7;
const OPTION_FIELDS = ['floorPlane', 'mocapModel', 'trackBall', 'trackFingers', 'trackJerseyNumbers'];

function makeResolvers(svc) {
  const { store, lifecycle, s3, webhooks, clock } = svc;
  const created = (rec) => isoMicro(rec.createdUs);
  const owner = (rec) => store.clients.get(rec.clientId);

  /** Apply optional name / metadata changes (metadata is replaced whole). */
  function update(rec, args) {
    if (args.metadata !== undefined) rec.metadata = args.metadata;
    if (args.name !== undefined) rec.name = args.name;
    return rec;
  }

  function checkWindow(w, what) {
    if (w && !(w.startTime >= 0 && w.endTime > w.startTime)) throw badRequest(`${what}: startTime must be >= 0 and before endTime.`);
    return w ? { startTime: w.startTime, endTime: w.endTime } : null;
  }

  function syncMethodOf(input) {
    if (!input) return null;
    return {
      clapWindow: checkWindow(input.clapWindow, 'clapWindow'),
      timecodeSync: input.timecodeSync ? { useTimecode: input.timecodeSync.useTimecode } : null,
    };
  }

  function sourcesOf(client, sources, min, max, what) {
    const list = sources || [];
    if (list.length < min || list.length > max) {
      const want = min === max ? `exactly ${min}` : `at least ${min}`;
      throw badRequest(`${what} needs ${want} source${min === 1 && max === 1 ? '' : 's'}, got ${list.length}.`);
    }
    return list.map((s) => {
      store.get(client, 'files', s.fileId);
      return {
        deviceLabel: s.deviceLabel, fileId: s.fileId, format: s.format,
        cameraSettings: s.cameraSettings ? { lens: s.cameraSettings.lens } : null,
      };
    });
  }

  const anyMissing = (sources) => sources.some((s) => !store.files.get(s.fileId).uploaded && store.files.get(s.fileId).origin === 'upload');

  function paginate(ctx, kind, args, takeId) {
    const size = args.first == null ? DEFAULT_PAGE : args.first;
    if (size < 1 || size > MAX_PAGE) {
      throw new ValidationFailure('WrongType', `argument 'first' must be between 1 and ${MAX_PAGE}, got ${size}.`);
    }
    const dir = args.sortDirection || 'DESC';
    const items = store.list(ctx.client, kind, takeId == null ? null : (j) => j.takeId === takeId);
    let last = null;
    if (args.after != null) {
      let c;
      try { c = JSON.parse(args.after); } catch { c = null; }
      if (!c || typeof c !== 'object' || c.v !== 1 || !Number.isFinite(c.last) || !Number.isFinite(c.exp)) {
        throw new ValidationFailure('WrongType', "argument 'after' is not a cursor returned by this listing.");
      }
      if (c.list !== kind || c.dir !== dir || (c.take ?? null) !== (takeId ?? null)) {
        throw new ValidationFailure('WrongType', "argument 'after' was returned by a listing with other arguments.");
      }
      if (c.exp < clock.nowSeconds()) throw badRequest('The pagination cursor has expired; list again from the start.');
      last = c.last;
    }
    // Items are in ascending creation order with unique timestamps.
    const firstAbove = (t) => {
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (items[mid].createdUs <= t) lo = mid + 1; else hi = mid;
      }
      return lo;
    };
    let page;
    let more;
    if (dir === 'ASC') {
      const start = last === null ? 0 : firstAbove(last);
      page = items.slice(start, start + size);
      more = start + size < items.length;
    } else {
      const end = last === null ? items.length : firstAbove(last - 1);
      page = items.slice(Math.max(0, end - size), end).reverse();
      more = end - size > 0;
    }
    const after = more ? JSON.stringify({ v: 1, list: kind, dir, take: takeId ?? null, last: page[page.length - 1].createdUs, exp: clock.nowSeconds() + CURSOR_SECONDS }) : null;
    return { first: size, after, items: page };
  }

  const catalogue = (items) => ({ first: items.length, after: null, items });

  function createJob(ctx, args, kind) {
    const take = store.get(ctx.client, 'takes', args.takeId);
    const wantType = kind === 'multi' ? 'MULTI_CAM' : 'SINGLE_CAM';
    if (take.takeType !== wantType) {
      throw badRequest(`create${kind === 'multi' ? 'MultiCam' : 'SingleCam'}Job needs a ${wantType} take; take ${take.id} is ${take.takeType}.`);
    }
    const rig = args.rig == null ? 'move_mo' : args.rig;
    if (!RIGS.includes(rig)) throw badRequest(`Unknown rig "${rig}"; see listRigs.`);
    const numberOfActors = args.numberOfActors ?? (kind === 'multi' ? 1 : null);
    if (numberOfActors !== null && numberOfActors < 1) throw badRequest('numberOfActors must be at least 1.');
    const outputs = args.outputs ? [...new Set(args.outputs.filter((o) => o != null))] : null;
    if (kind === 'multi' && outputs && outputs.includes('RENDER_OVERLAY_VIDEO')) {
      throw badRequest('RENDER_OVERLAY_VIDEO is only made by single-camera jobs.');
    }
    const options = args.options ? Object.fromEntries(OPTION_FIELDS.map((f) => [f, args.options[f] ?? null])) : null;
    const job = store.add(ctx.client, 'jobs', 'job', {
      __typename: 'Job', kind, takeId: take.id, name: args.name ?? null, metadata: args.metadata ?? null, rig,
      inputs: { clipWindow: checkWindow(args.clipWindow, 'clipWindow'), numberOfActors, options },
      requestedOutputs: outputs && outputs.length ? outputs : null,
      missingUpload: anyMissing(take.sources),
    });
    lifecycle.track(job);
    return job;
  }

  const sourceView = (s) => ({ ...s, file: store.files.get(s.fileId) });
  const progress = (rec) => lifecycle.progress(rec);

  return {
    Query: {
      client: (_, __, ctx) => ctx.client,
      getFile: (_, a, ctx) => store.get(ctx.client, 'files', a.fileId),
      getJob: (_, a, ctx) => store.get(ctx.client, 'jobs', a.jobId),
      getTake: (_, a, ctx) => store.get(ctx.client, 'takes', a.takeId),
      getVolume: (_, a, ctx) => store.get(ctx.client, 'volumes', a.id),
      listCameraSettings: () => catalogue(LENSES.map((lens) => ({ lens }))),
      listRigs: () => catalogue(RIGS.map((name) => ({ name }))),
      listJobs: (_, a, ctx) => paginate(ctx, 'jobs', a, a.takeId),
      listTakes: (_, a, ctx) => paginate(ctx, 'takes', a),
      listVolumes: (_, a, ctx) => paginate(ctx, 'volumes', a),
    },
    Mutation: {
      createFile(_, a, ctx) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(a.type)) throw badRequest('type must be a file extension such as mp4.');
        const file = store.add(ctx.client, 'files', 'file', {
          __typename: 'File', type: a.type, name: a.name ?? null, metadata: a.metadata ?? null, origin: 'upload', uploaded: false,
        });
        s3.register(file);
        return file;
      },
      updateFile: (_, a, ctx) => update(store.get(ctx.client, 'files', a.id), a),
      generateShareCode(_, a, ctx) {
        const file = store.get(ctx.client, 'files', a.fileId);
        const createdUs = clock.stampUs();
        const share = { code: randomToken(9), createdUs, expiresUs: createdUs + SHARE_CODE_DAYS * 86400e6, file };
        store.shareCodes.set(share.code, share);
        return share;
      },
      createSingleCamTake(_, a, ctx) {
        const sources = sourcesOf(ctx.client, a.sources, 1, 1, 'A single-camera take');
        return store.add(ctx.client, 'takes', 'take', {
          __typename: 'Take', takeType: 'SINGLE_CAM', sources, syncMethod: null, volumeId: null,
          name: a.name ?? null, metadata: a.metadata ?? null,
        });
      },
      createMultiCamTake(_, a, ctx) {
        const volume = store.get(ctx.client, 'volumes', a.volumeId);
        const sources = sourcesOf(ctx.client, a.sources, 2, Infinity, 'A multicam take');
        return store.add(ctx.client, 'takes', 'take', {
          __typename: 'Take', takeType: 'MULTI_CAM', sources, syncMethod: syncMethodOf(a.syncMethod), volumeId: volume.id,
          name: a.name ?? null, metadata: a.metadata ?? null,
        });
      },
      updateTake: (_, a, ctx) => update(store.get(ctx.client, 'takes', a.id), a),
      createSingleCamJob: (_, a, ctx) => createJob(ctx, a, 'single'),
      createMultiCamJob: (_, a, ctx) => createJob(ctx, a, 'multi'),
      updateJob: (_, a, ctx) => update(store.get(ctx.client, 'jobs', a.id), a),
      createVolumeWithHuman(_, a, ctx) {
        if (!(a.humanHeight > 0 && a.humanHeight < 3)) throw badRequest('humanHeight is in metres and must be between 0 and 3.');
        const sources = sourcesOf(ctx.client, a.sources, 2, Infinity, 'A volume');
        const volume = store.add(ctx.client, 'volumes', 'volume', {
          __typename: 'HumanVolume', kind: 'volume', sources, syncMethod: syncMethodOf(a.syncMethod),
          humanHeight: a.humanHeight, areaType: a.areaType, clipWindow: checkWindow(a.clipWindow, 'clipWindow'),
          name: a.name ?? null, metadata: a.metadata ?? null, missingUpload: anyMissing(sources),
        });
        lifecycle.track(volume);
        return volume;
      },
      updateClient: (_, a, ctx) => update(ctx.client, a),
      upsertWebhookEndpoint: (_, a, ctx) => webhooks.upsert(ctx.client, a),
    },
    Client: {
      created,
      portal: (c, _, ctx) => `${ctx.baseUrl}/portal/${c.id}`,
    },
    File: {
      client: owner,
      created,
      presignedUrl: (f, _, ctx) => s3.presign(ctx.baseUrl, f.origin === 'output' || f.uploaded ? 'GET' : 'PUT', f),
      thumbnailUrl: () => null,
    },
    Job: {
      client: owner,
      created,
      outputs: (j) => lifecycle.outputs(j),
      progress,
      rig: (j) => ({ name: j.rig }),
      state: (j) => progress(j).state,
      take: (j) => store.takes.get(j.takeId),
    },
    Take: {
      additionalFiles: () => [],
      client: owner,
      created,
      sources: (t) => t.sources.map(sourceView),
      videoFile: (t) => store.files.get(t.sources[0].fileId),
      volume: (t) => (t.volumeId ? store.volumes.get(t.volumeId) : null),
    },
    HumanVolume: {
      progress,
      state: (v) => progress(v).state,
      client: owner,
      created,
      outputs: (v) => lifecycle.outputs(v),
      sources: (v) => v.sources.map(sourceView),
    },
    ShareCode: {
      created,
      expires: (s) => isoMicro(s.expiresUs),
      url: (s, _, ctx) => `${ctx.baseUrl}/share/${s.code}`,
    },
    WebhookEndpoint: { client: owner },
    Volume: { __resolveType: () => 'HumanVolume' },
  };
}

module.exports = { makeResolvers, MAX_PAGE, DEFAULT_PAGE };
