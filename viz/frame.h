// frame.h: one sample of the model's parameters as it travels: to the browser (a binary
// WebSocket message), to disk (runs/<session>/frames/<step>.bin), to export files.
//
// Binary layout (docs/protocol.md, version 1), little-endian:
//   bytes 0..3   magic "NGVF"
//   bytes 4..5   uint16 version (1)
//   bytes 6..7   uint16 reserved (0)
//   bytes 8..11  uint32 header length H (bytes of JSON, padded with spaces to a multiple of 4)
//   bytes 12..   H bytes of JSON header: {"session":..,"step":..,"tensors":[{"name","kind",
//                "layer","field","dtype","shape","offset","bytes","scale"}, ...], "meta":{...}}
//   then the tensor data; each tensor at header offset `offset` from the start of the data
//   section, 4-byte aligned. dtype "f32" (raw float32) or "i8" (value = int8 * scale).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nanogpt::viz {

constexpr uint32_t kFrameMagic = 0x4656474E;  // "NGVF" read as little-endian uint32
constexpr uint16_t kFrameVersion = 1;

struct FrameTensor {
    std::string name;    // GPT-2 tensor name: "wte", "wpe", "qkvw", "ln1w", ... or "stats", "hist"
    std::string kind;    // "points3d" (projected embeddings), "grid" (matrix sample), "vector",
                         // "rows" (per-row attributes), "stats", "hist"
    int layer = -1;      // transformer layer, -1 for tensors outside the blocks
    std::string field;   // "value", "grad", "xyz", "norm", "grad_norm", "update", ...
    std::vector<int> shape;
    bool quantize = false;  // encode as int8 with a per-tensor scale (max |v| / 127)
    std::vector<float> data;  // row-major, size = product(shape)
};

struct Frame {
    std::string session;
    int step = 0;
    std::vector<FrameTensor> tensors;
    std::string meta_json = "{}";  // extra JSON object: token ids of points, stat names, ...
};

std::string encode_frame(const Frame& frame);
// Throws nanogpt::Error on anything malformed (short, wrong magic/version, bad JSON, offsets
// outside the data). Quantised tensors come back dequantised.
Frame decode_frame(const std::string& bytes);
// What is wrong with a frame of `total_bytes` judged from its first bytes (`head`: the 12-byte
// prefix and the JSON header at least): "" when the header parses and every tensor it describes
// lies inside the frame, else decode_frame's error. A frame file cut short (a full disk, a copy
// that stopped) fails it without its data being read.
std::string frame_header_problem(std::string_view head, uint64_t total_bytes);
// Size encode_frame would produce, without encoding.
size_t encoded_frame_size(const Frame& frame);

}  // namespace nanogpt::viz
