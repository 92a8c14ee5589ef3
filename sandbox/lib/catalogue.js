'use strict';
/** Fixed data the sandbox serves: rigs, lenses, output kinds and webhook events. */

const RIGS = ['move_mo', 'move_ve', 'move_ue5_manny', 'move_mixamo', 'move_vroid', 'move_cc4'];

const LENSES = [
  'iphone-12-wide', 'iphone-13-wide', 'iphone-14-wide', 'iphone-15-wide', 'iphone-15-ultrawide',
  'gopro-hero10-linear', 'gopro-hero11-wide', 'sony-a7iii-24mm', 'sony-a7iii-35mm',
  'canon-r6-24mm', 'generic-wide', 'generic-normal',
];

/** Output kind -> file extension. */
const OUTPUT_FORMATS = {
  MAIN_FBX: 'fbx', MAIN_BLEND: 'blend', MAIN_GLB: 'glb', MAIN_USDC: 'usdc', MAIN_USDZ: 'usdz',
  ALL_BLEND: 'zip', ALL_BVH: 'zip', ALL_C3D: 'zip', ALL_FBX: 'zip', ALL_GLB: 'zip',
  ALL_USDC: 'zip', ALL_USDZ: 'zip', MOTION_DATA: 'zip', RENDER_VIDEO: 'mp4',
  RENDER_OVERLAY_VIDEO: 'mp4', SYNC_DATA: 'pkl',
};

/** What a job makes when it asks for no outputs. */
const DEFAULT_OUTPUTS = ['MAIN_FBX', 'MAIN_BLEND', 'MAIN_GLB', 'MAIN_USDC', 'MAIN_USDZ', 'RENDER_VIDEO', 'MOTION_DATA'];

/** What a finished volume makes. */
const VOLUME_OUTPUTS = [{ key: 'CALIBRATION', format: 'json' }];

const EVENTS = [
  'ugc.job.state.running', 'ugc.job.state.completed', 'ugc.job.state.failed',
  'ugc.volume.state.running', 'ugc.volume.state.completed', 'ugc.volume.state.failed',
];

const DEFAULT_OUTPUT_BYTES = 65536;

module.exports = { RIGS, LENSES, OUTPUT_FORMATS, DEFAULT_OUTPUTS, VOLUME_OUTPUTS, EVENTS, DEFAULT_OUTPUT_BYTES };
