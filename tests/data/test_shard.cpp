// test_shard.cpp: llm.c shard format round trip and each kind of damaged file.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "data/shard.h"
#include "test_support.h"

namespace nanogpt {
namespace {

using test::expect_error;
using test::TempDir;

std::string read_bytes(const std::string& path) { return read_file(path); }

void write_bytes(const std::string& path, const std::string& bytes) {
    write_file_atomic(path, bytes.data(), bytes.size());
}

// A valid shard's bytes with one header int replaced.
std::string with_header_int(const std::string& bytes, int index, int32_t value) {
    std::string changed = bytes;
    std::memcpy(changed.data() + index * sizeof(int32_t), &value, sizeof value);
    return changed;
}

const std::vector<uint16_t> kTokens = {0, 1, 2, 65535, 50256, 198, 11, 7};

TEST(Shard, RoundTrip) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    EXPECT_EQ(read_shard(path), kTokens);
    EXPECT_EQ(shard_token_count(path), kTokens.size());
}

TEST(Shard, LayoutIsLlmC) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    const std::string bytes = read_bytes(path);
    ASSERT_EQ(bytes.size(), 1024 + 2 * kTokens.size());
    int32_t header[256];
    std::memcpy(header, bytes.data(), sizeof header);
    EXPECT_EQ(header[0], 20240520);
    EXPECT_EQ(header[1], 1);
    EXPECT_EQ(header[2], static_cast<int32_t>(kTokens.size()));
    for (int i = 3; i < 256; ++i) EXPECT_EQ(header[i], 0) << "header int " << i;
    uint16_t first_token;
    std::memcpy(&first_token, bytes.data() + 1024 + 3 * 2, sizeof first_token);
    EXPECT_EQ(first_token, 65535);
}

TEST(Shard, EmptyShardRoundTrips) {
    TempDir dir;
    const std::string path = dir.file("empty.bin");
    write_shard(path, {});
    EXPECT_TRUE(read_shard(path).empty());
    EXPECT_EQ(shard_token_count(path), 0u);
}

TEST(Shard, TruncatedFileIsError) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    const std::string bytes = read_bytes(path);
    write_bytes(path, bytes.substr(0, bytes.size() - 1));
    expect_error([&] { read_shard(path); }, {path, "truncated", "8 tokens"});
    expect_error([&] { shard_token_count(path); }, {path, "truncated"});
}

TEST(Shard, ExtraBytesIsError) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    write_bytes(path, read_bytes(path) + "xy");
    expect_error([&] { read_shard(path); }, {path, "extra bytes"});
    expect_error([&] { shard_token_count(path); }, {path, "extra bytes"});
}

TEST(Shard, WrongMagicIsError) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    write_bytes(path, with_header_int(read_bytes(path), 0, 12345));
    expect_error([&] { read_shard(path); }, {path, "magic", "12345", "20240520"});
    expect_error([&] { shard_token_count(path); }, {path, "magic"});
}

TEST(Shard, WrongVersionIsError) {
    TempDir dir;
    const std::string path = dir.file("tokens.bin");
    write_shard(path, kTokens);
    write_bytes(path, with_header_int(read_bytes(path), 1, 2));
    expect_error([&] { read_shard(path); }, {path, "version 2"});
    expect_error([&] { shard_token_count(path); }, {path, "version"});
}

TEST(Shard, FileShorterThanHeaderIsError) {
    TempDir dir;
    const std::string path = dir.file("short.bin");
    write_bytes(path, std::string(100, '\0'));
    expect_error([&] { read_shard(path); }, {path, "100 bytes", "shorter than the 1024-byte header"});
    expect_error([&] { shard_token_count(path); }, {path, "shorter than"});
}

TEST(Shard, MissingFileIsError) {
    TempDir dir;
    const std::string path = dir.file("nope.bin");
    expect_error([&] { read_shard(path); }, {path, "cannot open"});
}

}  // namespace
}  // namespace nanogpt
