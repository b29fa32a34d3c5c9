// frame_fixture.js: builds binary frames in JS for the unit tests, mirroring the C++ encoder
// (viz/frame.cpp): "NGVF", uint16 version, uint16 0, uint32 header length, the JSON header padded
// with spaces to a multiple of 4, then each tensor's data at a 4-byte aligned offset.
// `quantize` tensors are int8 with scale max|v|/127, as encode_frame does.

const align4 = (n) => Math.ceil(n / 4) * 4;

/**
 * encodeFrame({session, step, tensors: [{name, kind, layer, field, shape, data, quantize}], meta},
 *             {version, magic, headerLength, patchTensor}) -> ArrayBuffer
 * The options corrupt the frame on purpose for the error tests.
 */
export function encodeFrame(frame, options = {}) {
  const descs = [];
  const payloads = [];
  let off = 0;
  for (const t of frame.tensors) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.length !== count) throw new Error(`fixture: ${t.name}.${t.field} has ${t.data.length} values for its shape`);
    let scale = 1;
    if (t.quantize) {
      const maxabs = Math.max(0, ...Array.from(t.data, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
      scale = maxabs > 0 ? Math.fround(maxabs / 127) : 1;
    }
    const nbytes = count * (t.quantize ? 1 : 4);
    const desc = { name: t.name, kind: t.kind, layer: t.layer ?? -1, field: t.field, dtype: t.quantize ? 'i8' : 'f32',
      shape: t.shape, offset: off, bytes: nbytes, scale };
    if (options.patchTensor) options.patchTensor(desc, descs.length);
    descs.push(desc);
    payloads.push({ at: off, t, scale });
    off += align4(nbytes);
  }
  let json = JSON.stringify({ session: frame.session ?? 's', step: frame.step ?? 0, tensors: descs, meta: frame.meta ?? {} });
  json = json.padEnd(align4(json.length), ' ');
  const header = new TextEncoder().encode(json);
  const padded = new Uint8Array(align4(header.length)).fill(0x20);
  padded.set(header);
  const total = 12 + padded.length + off;
  const buf = new ArrayBuffer(total);
  const dv = new DataView(buf);
  const magic = options.magic ?? 'NGVF';
  for (let i = 0; i < 4; i++) dv.setUint8(i, magic.charCodeAt(i));
  dv.setUint16(4, options.version ?? 1, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, options.headerLength ?? padded.length, true);
  new Uint8Array(buf, 12, padded.length).set(padded);
  const dataStart = 12 + padded.length;
  for (const { at, t, scale } of payloads) {
    for (let j = 0; j < t.data.length; j++) {
      if (t.quantize) {
        const v = t.data[j];
        const q = Number.isFinite(v) ? Math.max(-127, Math.min(127, Math.round(v / scale))) : 0;
        dv.setInt8(dataStart + at + j, q);
      } else {
        dv.setFloat32(dataStart + at + j * 4, t.data[j], true);
      }
    }
  }
  return buf;
}

/** A small model-shaped frame like viz/frame_builder.cpp makes: L layers, C channels, G-cell grids. */
export function modelFrame({ L = 2, C = 8, G = 4, V = 10, step = 10, session = 'test-session', layersOf } = {}) {
  const tensors = [];
  const blocks = [];
  const ramp = (n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 0.5);
  tensors.push({ name: 'wte', kind: 'points3d', layer: -1, field: 'xyz', shape: [V, 3], data: ramp(V * 3, 1) });
  tensors.push({ name: 'wte', kind: 'rows', layer: -1, field: 'norm', shape: [V], data: ramp(V, 2) });
  tensors.push({ name: 'wte', kind: 'rows', layer: -1, field: 'grad_norm', shape: [V], data: ramp(V, 3) });
  blocks.push({ name: 'wte', layer: -1, rows: [...Array(V).keys()], text: [...Array(V).keys()].map((i) => String.fromCharCode(97 + i)) });
  const layers = layersOf ?? [...Array(L).keys()];
  for (const l of layers) {
    for (const name of ['qkvw', 'attprojw', 'fcw', 'fcprojw']) {
      tensors.push({ name, kind: 'grid', layer: l, field: 'value', shape: [G, G], data: ramp(G * G, l), quantize: true });
      tensors.push({ name, kind: 'grid', layer: l, field: 'grad', shape: [G, G], data: ramp(G * G, l + 5), quantize: true });
      blocks.push({ name, layer: l, rows: [...Array(G).keys()], cols: [...Array(G).keys()] });
    }
    for (const name of ['ln1w', 'ln2w']) {
      tensors.push({ name, kind: 'vector', layer: l, field: 'value', shape: [C], data: ramp(C, l), quantize: true });
    }
    tensors.push({ name: 'stats', kind: 'stats', layer: l, field: 'qkvw', shape: [10],
      data: Float32Array.from([0.01 * l, 0.2, -1, 1, 0.2, 0.05, 0.001, -1.05, 1.05, step]) });
    tensors.push({ name: 'hist', kind: 'hist', layer: l, field: 'qkvw', shape: [64],
      data: Float32Array.from({ length: 64 }, (_, i) => i + l) });
  }
  return encodeFrame({ session, step, tensors, meta: {
    model: { L, NH: 2, C, V, maxT: 16 },
    stat_names: ['mean', 'std', 'min', 'max', 'rms', 'grad_rms', 'update_ratio', 'hist_lo', 'hist_hi', 'hist_step'],
    blocks,
  } });
}
