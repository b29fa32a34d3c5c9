// hub_fuzz.cpp: the fuzzing client (hub_fuzz.h).
#include "hub_fuzz.h"

#include <memory>
#include <stdexcept>

#include <rapidjson/document.h>

#include "hub_test_client.h"

namespace hubtest {
namespace {

std::string random_bytes(std::mt19937_64& rng, size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

std::string random_text(std::mt19937_64& rng, size_t n) {
    static constexpr char kChars[] = "{}[]\":,.-0123456789eE truefalsnl\\/typesubcrbiong";
    std::string s(n, ' ');
    for (char& c : s) c = kChars[rng() % (sizeof kChars - 1)];
    return s;
}

size_t pick(std::mt19937_64& rng, size_t lo, size_t hi) { return lo + rng() % (hi - lo + 1); }

}  // namespace

FuzzMessage fuzz_message(std::mt19937_64& rng) {
    static const char* kShapes[] = {
        R"({"type":123})", R"({"type":null})", R"({"type":["ping"]})", R"({"type":"subscribe","session":42})",
        R"({"type":"subscribe","session":"../../etc/passwd"})", R"({"type":"subscribe","session":"<script>alert(1)</script>"})",
        R"({"type":"subscribe","session":"\ud800"})", R"({"type":"pi\u0000ng"})", R"({"type":"ping","type":"x"})",
        R"({"type":"subscribe","session":"a","session":"../b"})", "[]", "{}", "null", "1e999999", "\"\"",
        R"({"type":"ping"} trailing)", "\xef\xbb\xbf{\"type\":\"ping\"}",
    };
    const std::string valid = R"({"type":"subscribe","session":"20260101-000000-abcd"})";
    FuzzMessage m;
    const unsigned roll = rng() % 1000;
    if (roll < 200) {
        m.kind = "random bytes";
        m.binary = true;
        m.bytes = random_bytes(rng, pick(rng, 0, 512));
    } else if (roll < 350) {
        m.kind = "random text";
        m.bytes = random_text(rng, pick(rng, 0, 512));
    } else if (roll < 500) {
        m.kind = "truncated JSON";
        m.bytes = valid.substr(0, pick(rng, 0, valid.size() - 1));
    } else if (roll < 600) {
        m.kind = "nested JSON";
        const size_t depth = roll < 580 ? pick(rng, 100, 2000) : pick(rng, 5000, 200000);  // within / past 4 KiB
        const bool arrays = rng() & 1;
        std::string s;
        for (size_t i = 0; i < depth; ++i) s += arrays ? "[" : "{\"a\":";
        s += "0";
        for (size_t i = 0; i < depth; ++i) s += arrays ? "]" : "}";
        m.bytes = std::move(s);
    } else if (roll < 700) {
        m.kind = "huge string";
        const size_t n = roll < 699 ? pick(rng, 4000, 64 * 1024) : pick(rng, 64 * 1024, 1u << 20);
        m.bytes = R"({"type":"ping","pad":")" + std::string(n, 'x') + "\"}";
    } else if (roll < 850) {
        m.kind = "wrong shape";
        m.bytes = kShapes[rng() % (sizeof kShapes / sizeof kShapes[0])];
    } else if (roll < 950) {
        m.kind = "fragmented";
        m.fragments = static_cast<int>(pick(rng, 2, 6));
        m.binary = rng() % 4 == 0;
        m.bytes = rng() % 2 ? valid.substr(0, pick(rng, 1, valid.size())) : R"({"type":"ping"})";
    } else if (roll < 999) {
        m.kind = "bad UTF-8";
        m.bytes = R"({"type":"ping","x":")" + std::string("\xc3\x28\xff\xfe\xed\xa0\x80", pick(rng, 1, 7)) + "\"}";
        // Some of those prefixes are a valid sequence: only a closed connection says for sure,
        // so a reply is allowed too (checked below).
        m.closes = true;
    } else {
        m.kind = "past the read limit";
        m.bytes = std::string((16u << 20) + 1024, 'z');
        m.closes = true;
    }
    return m;
}

FuzzStats fuzz_hub(int port, const std::string& target, uint64_t count, uint64_t seed, const std::atomic<bool>* stop) {
    std::mt19937_64 rng(seed);
    FuzzStats stats;
    std::unique_ptr<WsClient> client;
    auto is_reply = [](const WsMessage& m) {
        if (!m.text) return false;
        rapidjson::Document d;
        d.Parse(m.data.data(), m.data.size());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("type") || !d["type"].IsString()) return false;
        const std::string type = d["type"].GetString();
        return type == "error" || type == "pong" || type == "subscribed";
    };
    for (uint64_t i = 0; i < count && !(stop && stop->load()); ++i) {
        if (!client) {
            client = std::make_unique<WsClient>(port, target);
            client->read();  // hello
        }
        const FuzzMessage m = fuzz_message(rng);
        ++stats.sent;
        stats.bytes += m.bytes.size();
        bool closed = false;
        try {
            if (m.fragments > 1) client->write_fragments(m.bytes, m.fragments, m.binary);
            else if (m.binary) client->write_binary(m.bytes);
            else client->write_text(m.bytes);
            for (;;) {
                if (is_reply(client->read())) break;  // skip a live run's broadcasts
            }
        } catch (const std::runtime_error& e) {
            if (std::string(e.what()).find("timed out") != std::string::npos)
                throw std::runtime_error(std::string("the hub did not answer a '") + m.kind + "' message: " + e.what());
            closed = true;  // the hub closed the connection (or reset it mid-write)
        }
        if (closed) {
            ++stats.closed;
            if (!m.closes) ++stats.unexpected;
            client.reset();
        } else {
            ++stats.replies;
        }
    }
    return stats;
}

}  // namespace hubtest
