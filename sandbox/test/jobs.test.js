'use strict';
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const { startSandbox, gql, data, control, request, uploadedFile, singleCamTake, volume, until, outputBytes } = require('../testlib/helpers');

const JOB = `query($j: ID!) { getJob(jobId: $j) { id state progress { state percentageComplete } rig { name }
  inputs { numberOfActors clipWindow { startTime endTime } options { floorPlane mocapModel trackBall trackFingers trackJerseyNumbers } }
  take { id } outputs { key format file { id type presignedUrl } } } }`;
const getJob = async (sb, j) => (await data(sb, JOB, { j })).getJob;

test('jobs run NOT_STARTED -> RUNNING -> FINISHED and serve their outputs', async (t) => {
  const sb = await startSandbox({ jobSeconds: 1 });
  t.after(() => sb.close());
  const takeId = await singleCamTake(sb);
  const created = (await data(sb, `mutation($t: String!) { createSingleCamJob(takeId: $t, outputs: [MAIN_FBX, RENDER_VIDEO, MAIN_FBX],
    clipWindow: { startTime: 1.5, endTime: 4 }, options: { trackFingers: true, mocapModel: M2 }) { id state } }`, { t: takeId })).createSingleCamJob;
  assert.strictEqual(created.state, 'NOT_STARTED');
  const seen = [];
  const pcts = [];
  await until(async () => {
    const j = await getJob(sb, created.id);
    assert.strictEqual(j.state, j.progress.state, 'state mirrors progress.state');
    if (seen[seen.length - 1] !== j.state) seen.push(j.state);
    if (j.state === 'RUNNING') pcts.push(j.progress.percentageComplete);
    if (j.state !== 'FINISHED') assert.deepStrictEqual(j.outputs, []);
    return j.state === 'FINISHED';
  }, 5000, 40);
  assert.deepStrictEqual(seen, ['NOT_STARTED', 'RUNNING', 'FINISHED']);
  assert.ok(pcts.length >= 3 && pcts[pcts.length - 1] > pcts[0], `percentages rise: ${pcts}`);
  assert.ok(pcts.every((p, i) => i === 0 || p >= pcts[i - 1]));
  const j = await getJob(sb, created.id);
  assert.strictEqual(j.progress.percentageComplete, 100);
  assert.strictEqual(j.rig.name, 'move_mo');
  assert.strictEqual(j.take.id, takeId);
  assert.deepStrictEqual(j.inputs, {
    numberOfActors: null, clipWindow: { startTime: 1.5, endTime: 4 },
    options: { floorPlane: null, mocapModel: 'M2', trackBall: null, trackFingers: true, trackJerseyNumbers: null },
  });
  assert.deepStrictEqual(j.outputs.map((o) => [o.key, o.format, o.file.type]), [['MAIN_FBX', 'fbx', 'fbx'], ['RENDER_VIDEO', 'mp4', 'mp4']]);
  for (const o of j.outputs) {
    const r = await request(o.file.presignedUrl);
    assert.strictEqual(r.status, 200);
    const want = outputBytes(j.id, o.key);
    assert.deepStrictEqual(r.body, want);
    assert.strictEqual(r.headers.etag, `"${crypto.createHash('md5').update(want).digest('hex')}"`);
    const part = await request(o.file.presignedUrl, { headers: { Range: 'bytes=100-199' } });
    assert.strictEqual(part.status, 206);
    assert.deepStrictEqual(part.body, want.subarray(100, 200));
    // an output is a file of the client
    const f = (await data(sb, 'query($f: ID!) { getFile(fileId: $f) { id type presignedUrl } }', { f: o.file.id })).getFile;
    assert.strictEqual(f.type, o.format);
  }
  // stable outputs across reads, fresh URLs each time
  const again = await getJob(sb, created.id);
  assert.deepStrictEqual(again.outputs.map((o) => o.file.id), j.outputs.map((o) => o.file.id));
  const listed = (await data(sb, 'query($t: String) { listJobs(takeId: $t) { items { id } } }', { t: takeId })).listJobs.items;
  assert.deepStrictEqual(listed.map((x) => x.id), [created.id]);
});

test('defaults, clock, failures, rules and controls', async (t) => {
  const sb = await startSandbox({ jobSeconds: 30 });
  t.after(() => sb.close());
  const takeId = await singleCamTake(sb);
  const create = async (extra = '') => (await data(sb, `mutation($t: String!) { createSingleCamJob(takeId: $t ${extra}) { id } }`, { t: takeId })).createSingleCamJob.id;

  await t.test('the sandbox clock drives jobs; no outputs asked -> the default set', async () => {
    const id = await create();
    assert.strictEqual((await getJob(sb, id)).state, 'NOT_STARTED');
    await control(sb, 'clock', { advance_seconds: 15 });
    const mid = await getJob(sb, id);
    assert.strictEqual(mid.state, 'RUNNING');
    assert.ok(mid.progress.percentageComplete >= 49 && mid.progress.percentageComplete <= 55, String(mid.progress.percentageComplete));
    await control(sb, 'clock', { advance_seconds: 15 });
    const done = await getJob(sb, id);
    assert.strictEqual(done.state, 'FINISHED');
    assert.deepStrictEqual(done.outputs.map((o) => `${o.key}.${o.format}`),
      ['MAIN_FBX.fbx', 'MAIN_BLEND.blend', 'MAIN_GLB.glb', 'MAIN_USDC.usdc', 'MAIN_USDZ.usdz', 'RENDER_VIDEO.mp4', 'MOTION_DATA.zip']);
  });

  await t.test('a job whose take video was never uploaded fails', async () => {
    const file = (await data(sb, 'mutation { createFile(type: "mp4") { id } }')).createFile.id;
    const take = await singleCamTake(sb, { fileId: file });
    const id = (await data(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t) { id } }', { t: take })).createSingleCamJob.id;
    await control(sb, 'clock', { advance_seconds: 31 });
    const j = await getJob(sb, id);
    assert.strictEqual(j.state, 'FAILED');
    assert.deepStrictEqual(j.outputs, []);
  });

  await t.test('controls pin state and percentage, override outputs and their size', async () => {
    const id = await create('outputs: [MAIN_GLB]');
    let r = await control(sb, `jobs/${id}`, { percentage_complete: 50 });
    assert.deepStrictEqual(r.json, { id, state: 'RUNNING', percentage_complete: 50 });
    assert.deepStrictEqual((await getJob(sb, id)).progress, { state: 'RUNNING', percentageComplete: 50 });
    r = await control(sb, `jobs/${id}`, { state: 'FAILED' });
    assert.strictEqual((await getJob(sb, id)).state, 'FAILED');
    r = await control(sb, `jobs/${id}`, { state: 'FINISHED', output_bytes: 1000 });
    let j = await getJob(sb, id);
    assert.strictEqual(j.state, 'FINISHED');
    let body = (await request(j.outputs[0].file.presignedUrl)).body;
    assert.deepStrictEqual(body, outputBytes(id, 'MAIN_GLB', 1000));
    await control(sb, `jobs/${id}`, { outputs: [{ key: '../../evil', format: 'fbx/../x' }] });
    j = await getJob(sb, id);
    assert.deepStrictEqual(j.outputs.map((o) => [o.key, o.format]), [['../../evil', 'fbx/../x']]);
    body = (await request(j.outputs[0].file.presignedUrl)).body;
    assert.deepStrictEqual(body, outputBytes(id, '../../evil', 1000));
    assert.strictEqual((await control(sb, `jobs/${id}`, { state: 'DONE' })).status, 400);
    assert.strictEqual((await control(sb, 'jobs/job-nope', { state: 'FAILED' })).status, 404);
    await control(sb, `jobs/${id}`, { output_bytes: 0 });
    j = await getJob(sb, id);
    assert.strictEqual((await request(j.outputs[0].file.presignedUrl)).body.length, 0);
  });

  await t.test('singlecam rules: one source, owned files, a SINGLE_CAM take for a singlecam job', async () => {
    const a = await uploadedFile(sb);
    const b = await uploadedFile(sb);
    const two = await gql(sb, 'mutation($s: [SourceInput!]) { createSingleCamTake(sources: $s) { id } }',
      { s: [{ fileId: a, deviceLabel: 'x', format: 'MP4' }, { fileId: b, deviceLabel: 'y', format: 'MP4' }] });
    assert.strictEqual(two.json.errors[0].errorType, 'BadRequestException');
    const foreign = await gql(sb, 'mutation($s: [SourceInput!]) { createSingleCamTake(sources: $s) { id } }',
      { s: [{ fileId: 'file-00000000-0000-0000-0000-000000000000', deviceLabel: 'x', format: 'MP4' }] });
    assert.strictEqual(foreign.json.errors[0].errorType, 'MoveNotFoundError');
    assert.deepStrictEqual(foreign.json.errors[0].path, ['createSingleCamTake']);
    const multi = await gql(sb, 'mutation($t: String!) { createMultiCamJob(takeId: $t) { id } }', { t: takeId });
    assert.strictEqual(multi.json.errors[0].errorType, 'BadRequestException');
    const take = (await data(sb, 'query($t: ID!) { getTake(takeId: $t) { takeType videoFile { id } sources { deviceLabel format cameraSettings { lens } file { id } } volume { __typename } } }', { t: takeId })).getTake;
    assert.strictEqual(take.takeType, 'SINGLE_CAM');
    assert.strictEqual(take.videoFile.id, take.sources[0].file.id);
    assert.deepStrictEqual(take.sources[0].cameraSettings, { lens: 'iphone-15-wide' });
    assert.strictEqual(take.volume, null);
  });
});

test('volumes and multicam takes and jobs', async (t) => {
  const sb = await startSandbox({ jobSeconds: 0.3 });
  t.after(() => sb.close());
  const { volumeId, files } = await volume(sb);
  const V = `query($v: ID!) { getVolume(id: $v) { __typename ... on HumanVolume { id state progress { state percentageComplete } humanHeight areaType
    sources { deviceLabel format file { id } } outputs { key format file { presignedUrl } } created } } }`;
  assert.strictEqual((await data(sb, V, { v: volumeId })).getVolume.state, 'NOT_STARTED');
  const v = await until(async () => {
    const x = (await data(sb, V, { v: volumeId })).getVolume;
    return x.state === 'FINISHED' && x;
  });
  assert.strictEqual(v.__typename, 'HumanVolume');
  assert.strictEqual(v.progress.percentageComplete, 100);
  assert.strictEqual(v.humanHeight, 1.8);
  assert.strictEqual(v.areaType, 'NORMAL');
  assert.deepStrictEqual(v.sources.map((s) => s.file.id), files);
  assert.deepStrictEqual(v.outputs.map((o) => [o.key, o.format]), [['CALIBRATION', 'json']]);
  assert.deepStrictEqual((await request(v.outputs[0].file.presignedUrl)).body, outputBytes(volumeId, 'CALIBRATION'));

  const one = await gql(sb, 'mutation($s: [SourceInput!]) { createVolumeWithHuman(sources: $s, humanHeight: 1.7, areaType: LARGE) { id } }',
    { s: [{ fileId: files[0], deviceLabel: 'a', format: 'MP4' }] });
  assert.strictEqual(one.json.errors[0].errorType, 'BadRequestException');

  const sources = files.map((fileId, i) => ({ fileId, deviceLabel: `cam-${i}`, format: 'MOV' }));
  const noVolume = await gql(sb, 'mutation($s: [SourceInput!]) { createMultiCamTake(sources: $s, volumeId: "volume-x") { id } }', { s: sources });
  assert.strictEqual(noVolume.json.errors[0].errorType, 'MoveNotFoundError');
  const take = (await data(sb, `mutation($s: [SourceInput!], $v: String!) { createMultiCamTake(sources: $s, volumeId: $v,
    syncMethod: { clapWindow: { startTime: 0.5, endTime: 2 } }) { id takeType syncMethod { clapWindow { startTime endTime } timecodeSync { useTimecode } }
    volume { ... on HumanVolume { id } } } }`, { s: sources, v: volumeId })).createMultiCamTake;
  assert.strictEqual(take.takeType, 'MULTI_CAM');
  assert.deepStrictEqual(take.syncMethod, { clapWindow: { startTime: 0.5, endTime: 2 }, timecodeSync: null });
  assert.strictEqual(take.volume.id, volumeId);

  const single = await gql(sb, 'mutation($t: String!) { createSingleCamJob(takeId: $t) { id } }', { t: take.id });
  assert.strictEqual(single.json.errors[0].errorType, 'BadRequestException');
  const badRig = await gql(sb, 'mutation($t: String!) { createMultiCamJob(takeId: $t, rig: "no_such_rig") { id } }', { t: take.id });
  assert.strictEqual(badRig.json.errors[0].errorType, 'BadRequestException');
  const overlay = await gql(sb, 'mutation($t: String!) { createMultiCamJob(takeId: $t, outputs: [RENDER_OVERLAY_VIDEO]) { id } }', { t: take.id });
  assert.strictEqual(overlay.json.errors[0].errorType, 'BadRequestException');
  const job = (await data(sb, `mutation($t: String!) { createMultiCamJob(takeId: $t, numberOfActors: 2, rig: "move_ve", outputs: [SYNC_DATA, ALL_FBX]) {
    id rig { name } inputs { numberOfActors options { floorPlane } } } }`, { t: take.id })).createMultiCamJob;
  assert.strictEqual(job.rig.name, 'move_ve');
  assert.deepStrictEqual(job.inputs, { numberOfActors: 2, options: null });
  const done = await until(async () => {
    const j = (await data(sb, 'query($j: ID!) { getJob(jobId: $j) { state outputs { key format } } }', { j: job.id })).getJob;
    return j.state === 'FINISHED' && j;
  });
  assert.deepStrictEqual(done.outputs, [{ key: 'SYNC_DATA', format: 'pkl' }, { key: 'ALL_FBX', format: 'zip' }]);
  const defRig = (await data(sb, 'mutation($t: String!) { createMultiCamJob(takeId: $t) { rig { name } inputs { numberOfActors } } }', { t: take.id })).createMultiCamJob;
  assert.deepStrictEqual(defRig, { rig: { name: 'move_mo' }, inputs: { numberOfActors: 1 } });
  const vols = (await data(sb, '{ listVolumes(sortDirection: ASC) { items { ... on HumanVolume { id } } } }')).listVolumes.items;
  assert.deepStrictEqual(vols.map((x) => x.id), [volumeId]);
});
