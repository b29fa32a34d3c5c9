// test_hub.cpp: the dashboard hub over real loopback sockets (a Beast client in the test
// thread, the hub's own I/O thread serving), plus its pure request and message helpers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "common/error.h"
#include "hub_fake_history.h"
#include "hub_fuzz.h"
#include "hub_test_client.h"
#include "hub_test_files.h"
#include "viz/hub/access.h"
#include "viz/hub/client_message.h"
#include "viz/hub/headers.h"
#include "viz/hub/hub.h"
#include "viz/hub/listener.h"
#include "viz/hub/request.h"
#include "viz/hub/sha256.h"
#include "viz/session_id.h"

namespace nanogpt::viz::hub {
namespace {

using hubtest::FakeHistory;
using hubtest::http_request;
using hubtest::HttpResult;
using hubtest::wait_until;
using hubtest::WsClient;
using hubtest::WsMessage;

constexpr const char* kHello = R"({"type":"hello","version":1})";

// Tests that are not about access turn the token off explicitly (loopback only).
HubOptions local_options(const std::string& static_dir = "") {
    HubOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.no_token = true;
    o.static_dir = static_dir;
    return o;
}

// The hub as train and serve start it: a token required.
HubOptions secured_options(const std::string& token, const std::string& static_dir = "") {
    HubOptions o = local_options(static_dir);
    o.no_token = false;
    o.token = token;
    return o;
}

std::unique_ptr<Hub> start_hub(HubOptions options) {
    auto hub = std::make_unique<Hub>(std::move(options), std::make_shared<FakeHistory>());
    hub->set_hello([] { return std::string(kHello); });
    hub->start();
    return hub;
}

std::shared_ptr<const std::string> shared(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// The "type" (and, for errors, that "message" is a non-empty string) of a JSON reply.
std::string json_type(const WsMessage& m) {
    if (!m.text) return "<binary>";
    rapidjson::Document doc;
    doc.Parse(m.data.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("type") || !doc["type"].IsString()) return "<bad>";
    const std::string type = doc["type"].GetString();
    if (type == "error" && !(doc.HasMember("message") && doc["message"].IsString() && doc["message"].GetStringLength() > 0)) {
        return "<error without message>";
    }
    return type;
}

// ---------------------------------------------------------------- pure helpers

TEST(HubRequest, ParseTargetDecodesAndRefusesTraversal) {
    RequestTarget t = parse_target("/a%20b/c.js?x=1&token=a%2Fb");
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.path, "/a b/c.js");
    ASSERT_TRUE(t.token.has_value());
    EXPECT_EQ(*t.token, "a/b");
    EXPECT_FALSE(parse_target("/x").token.has_value());

    for (const char* bad : {"", "x", "http://h/x", "/../x", "/%2e%2e/x", "/%2E%2e/x", "/a/..%2f..%2fx", "/x%00",
                            "/a%5cb", "/a\\b", "/%zz", "/%4", "/ok?token=%g0"}) {
        EXPECT_FALSE(parse_target(bad).ok) << bad;
    }
}

TEST(HubRequest, TokensCompareExactly) {
    EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
    EXPECT_FALSE(constant_time_equal("s3cret", "s3creT"));
    EXPECT_FALSE(constant_time_equal("s3cret", "s3cre"));
    EXPECT_FALSE(constant_time_equal("", "x"));
    EXPECT_EQ(bearer_token("Bearer abc").value_or(""), "abc");
    EXPECT_EQ(bearer_token("bearer  abc ").value_or(""), "abc");
    EXPECT_FALSE(bearer_token("Basic abc").has_value());
    EXPECT_FALSE(bearer_token("Bearer ").has_value());
    const std::string cookie = token_cookie("a b;c", "nanogpt_viz_8080");
    const std::string pair = cookie.substr(0, cookie.find(';'));
    EXPECT_EQ(pair, "nanogpt_viz_8080=a%20b%3Bc");
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos);
    EXPECT_EQ(cookie_token("other=1; " + pair, "nanogpt_viz_8080").value_or(""), "a b;c");
    EXPECT_FALSE(cookie_token("other=1; " + pair, "nanogpt_viz_8081").has_value());  // another hub's
}

TEST(HubRequest, SessionIdsAndLoopbackHosts) {
    EXPECT_TRUE(valid_session_id("run-2024_01.02"));
    for (const char* bad : {"", ".", "..", "a/b", "a b", "a$", "é"}) EXPECT_FALSE(valid_session_id(bad)) << bad;
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"}) {
        EXPECT_TRUE(is_loopback_host(host)) << host;
    }
    for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "localhost.evil.com"}) {
        EXPECT_FALSE(is_loopback_host(host)) << host;
    }
}

// FIPS 180-4 test vectors, then a CSP hash source of a known text.
TEST(HubSecurity, Sha256AndBase64) {
    auto hex = [](const Sha256Digest& d) {
        std::string out;
        char b[3];
        for (unsigned char c : d) {
            std::snprintf(b, sizeof b, "%02x", c);
            out += b;
        }
        return out;
    };
    EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");  // 56 bytes: two tail blocks
    EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    const Sha256Digest d = sha256("");
    EXPECT_EQ(base64(std::string(reinterpret_cast<const char*>(d.data()), d.size())),
              "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(HubSecurity, InlineScriptHashesAndThePolicy) {
    const std::string html = "<!-- a <scripts> word --><script type=\"importmap\">{\"imports\":{}}</script>\n"
                             "<script type=\"module\" src=\"app.js\"></script><SCRIPT>alert(1)</SCRIPT>"
                             "<script data-src=\"x\">y</script>";
    const std::vector<std::string> hashes = inline_script_hashes(html);
    ASSERT_EQ(hashes.size(), 3u);  // the import map, the upper-case one, data-src is not src
    auto source = [](const std::string& text) {
        const Sha256Digest d = sha256(text);
        return "'sha256-" + base64(std::string(reinterpret_cast<const char*>(d.data()), d.size())) + "'";
    };
    EXPECT_EQ(hashes[0], source("{\"imports\":{}}"));
    EXPECT_EQ(hashes[1], source("alert(1)"));
    EXPECT_EQ(hashes[2], source("y"));
    const std::string csp = content_security_policy({hashes[0]});
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
    EXPECT_NE(csp.find("script-src 'self' " + hashes[0] + ";"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
}

TEST(HubAccess, HostHeaderNames) {
    EXPECT_EQ(host_header_name("127.0.0.1:8080").value_or("?"), "127.0.0.1");
    EXPECT_EQ(host_header_name("LocalHost.").value_or("?"), "localhost");
    EXPECT_EQ(host_header_name("[::1]:80").value_or("?"), "::1");
    EXPECT_EQ(host_header_name("[::1]").value_or("?"), "::1");
    EXPECT_EQ(host_header_name("example.com").value_or("?"), "example.com");
    for (const char* bad : {"", ":80", "a b", "evil.com:80x", "[::1", "[::1]x", "[evil.com]", "a/b", "a@b:1", "x:123456"})
        EXPECT_FALSE(host_header_name(bad).has_value()) << bad;
}

TEST(HubAccess, HostPolicyAnswersToLoopbackTheBoundAddressAndAllowedNames) {
    const HostPolicy local("127.0.0.1", {});
    for (const char* ok : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.2", "app.localhost:1"})
        EXPECT_TRUE(local.allows(ok)) << ok;
    // DNS rebinding: a page on a name the attacker points at 127.0.0.1 sends that name.
    for (const char* bad : {"evil.example:8080", "localhost.evil.example", "evil-localhost", "10.0.0.1:8080", "", "0.0.0.0"})
        EXPECT_FALSE(local.allows(bad)) << bad;
    const HostPolicy named("127.0.0.1", {"Box.LAN", "10.0.0.7"});
    EXPECT_TRUE(named.allows("box.lan:8080"));
    EXPECT_TRUE(named.allows("10.0.0.7"));
    EXPECT_FALSE(named.allows("other.lan"));
    EXPECT_NE(named.describe().find("box.lan"), std::string::npos);
    EXPECT_TRUE(HostPolicy("10.0.0.9", {}).allows("10.0.0.9:80"));  // the bound address itself
    EXPECT_TRUE(HostPolicy("127.0.0.1", {"*"}).allows("anything.example"));
}

TEST(HubAccess, SameOrigin) {
    EXPECT_TRUE(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
    EXPECT_TRUE(same_origin("HTTP://LocalHost:8080", "localhost:8080"));
    EXPECT_TRUE(same_origin("http://box.lan", "box.lan:80"));
    EXPECT_TRUE(same_origin("https://box.lan:443", "box.lan"));
    for (const char* bad : {"http://127.0.0.1:8081", "http://evil.example:8080", "null", "file://", "",
                            "http://127.0.0.1:8080/path", "http://user@127.0.0.1:8080", "ws://127.0.0.1:8080"})
        EXPECT_FALSE(same_origin(bad, "127.0.0.1:8080")) << bad;
}

TEST(HubAccess, RulesInOrderHostOriginFetchMetadataToken) {
    const HostPolicy hosts("127.0.0.1", {});
    const AccessPolicy policy{&hosts, "tok", 8080};
    AccessRequest r;
    r.host = "127.0.0.1:8080";
    r.query_token = "tok";
    AccessDecision d = check_access(r, policy);
    EXPECT_EQ(d.status, 0);
    EXPECT_EQ(d.set_cookie.rfind("nanogpt_viz_8080=tok;", 0), 0u) << d.set_cookie;

    AccessRequest rebinding = r;
    rebinding.host = "evil.example:8080";
    d = check_access(rebinding, policy);  // refused even with the right token
    EXPECT_EQ(d.status, 403);
    EXPECT_NE(d.message.find("--viz-allow-host"), std::string::npos) << d.message;

    AccessRequest ws = r;
    ws.upgrade = true;
    ws.origin = "http://evil.example";
    EXPECT_EQ(check_access(ws, policy).status, 403);
    ws.origin = "http://127.0.0.1:8080";
    EXPECT_EQ(check_access(ws, policy).status, 0);
    ws.origin = "";  // not a browser: the token decides
    EXPECT_EQ(check_access(ws, policy).status, 0);

    AccessRequest post = r;
    post.safe_method = false;
    post.origin = "http://evil.example";
    EXPECT_EQ(check_access(post, policy).status, 403);
    AccessRequest get = r;  // a plain GET from another page is left to CORS and fetch metadata
    get.origin = "http://evil.example";
    EXPECT_EQ(check_access(get, policy).status, 0);

    AccessRequest embedded = r;
    embedded.sec_fetch_site = "cross-site";
    embedded.sec_fetch_mode = "no-cors";  // <img src>, <script src> from another site
    EXPECT_EQ(check_access(embedded, policy).status, 403);
    embedded.sec_fetch_site = "same-site";  // another port of localhost is the same site
    EXPECT_EQ(check_access(embedded, policy).status, 403);
    embedded.sec_fetch_mode = "navigate";   // a link to the dashboard
    EXPECT_EQ(check_access(embedded, policy).status, 0);

    AccessRequest no_token = r;
    no_token.query_token.reset();
    EXPECT_EQ(check_access(no_token, policy).status, 401);
    no_token.cookie = "nanogpt_viz_8080=tok";
    EXPECT_EQ(check_access(no_token, policy).status, 0);
    no_token.cookie = "nanogpt_viz_8081=tok";  // another hub's cookie
    EXPECT_EQ(check_access(no_token, policy).status, 401);
    no_token.cookie = "";
    no_token.authorization = "Bearer tok";
    EXPECT_EQ(check_access(no_token, policy).status, 0);
    AccessRequest missing_host = r;
    missing_host.host = "";
    EXPECT_EQ(check_access(missing_host, policy).status, 400);
}

TEST(HubClientMessage, AnswersPingSubscribeAndRefusesTheRest) {
    EXPECT_EQ(reply_to_client_message(R"({"type":"ping"})", true, 15, 4096).text, R"({"type":"pong"})");
    const ClientReply sub = reply_to_client_message(R"({"type":"subscribe","session":"s1"})", true, 35, 4096);
    EXPECT_FALSE(sub.bad);
    EXPECT_EQ(sub.text, R"({"type":"subscribed","session":"s1"})");
    EXPECT_TRUE(reply_to_client_message(R"({"type":"ping"})", true, 5000, 4096).bad);  // oversized
    EXPECT_TRUE(reply_to_client_message(R"({"type":"ping"})", false, 15, 4096).bad);   // binary
    for (const char* bad : {"", "nope", "[1]", "{}", R"({"type":3})", R"({"type":"x"})", R"({"type":"subscribe"})",
                            R"({"type":"subscribe","session":"../x"})"}) {
        const ClientReply r = reply_to_client_message(bad, true, std::strlen(bad), 4096);
        EXPECT_TRUE(r.bad) << bad;
        EXPECT_NE(r.text.find(R"("type":"error")"), std::string::npos) << bad;
    }
}

// ---------------------------------------------------------------- WebSocket push

TEST(Hub, HelloFirstThenBroadcastsInOrderToEveryClient) {
    auto hub = start_hub(local_options());
    WsClient a(hub->port()), b(hub->port());
    for (WsClient* c : {&a, &b}) {
        const WsMessage hello = c->read();
        EXPECT_TRUE(hello.text);
        EXPECT_EQ(hello.data, kHello);
    }
    const std::string frame1("\x00\x01NGVF\x00\xff", 8), frame2(1000, '\x7f');
    hub->broadcast_text(shared(R"({"type":"metrics","step":1})"));
    hub->broadcast_frame(shared(frame1));
    hub->broadcast_text(shared(R"({"type":"event","step":2})"));
    hub->broadcast_frame(shared(frame2));

    for (WsClient* c : {&a, &b}) {
        WsMessage m = c->read();
        EXPECT_TRUE(m.text);
        EXPECT_EQ(m.data, R"({"type":"metrics","step":1})");
        m = c->read();
        EXPECT_FALSE(m.text);
        EXPECT_EQ(m.data, frame1);
        m = c->read();
        EXPECT_TRUE(m.text);
        EXPECT_EQ(m.data, R"({"type":"event","step":2})");
        m = c->read();
        EXPECT_FALSE(m.text);
        EXPECT_EQ(m.data, frame2);
    }
    // The counters move when the hub's write completes, which may be just after the client
    // has the bytes: wait for them rather than read them at once.
    EXPECT_TRUE(wait_until([&] { return hub->stats().texts_sent == 6 && hub->stats().frames_sent == 4; }))
        << "texts_sent " << hub->stats().texts_sent << ", frames_sent " << hub->stats().frames_sent;
    EXPECT_EQ(hub->stats().clients, 2u);
    EXPECT_EQ(hub->stats().frames_dropped, 0u);
}

TEST(Hub, MalformedClientMessagesGetAnErrorAndTheConnectionStays) {
    auto hub = start_hub(local_options());
    WsClient c(hub->port());
    ASSERT_EQ(c.read().data, kHello);

    c.write_text("not json");
    EXPECT_EQ(json_type(c.read()), "error");
    c.write_text("[1,2,3]");
    EXPECT_EQ(json_type(c.read()), "error");
    c.write_text(R"({"type":"launch_missiles"})");
    EXPECT_EQ(json_type(c.read()), "error");
    // Valid JSON, but over max_client_message_bytes (4096): refused by size, not answered.
    c.write_text(R"({"type":"ping","pad":")" + std::string(10 * 1024, 'x') + R"("})");
    EXPECT_EQ(json_type(c.read()), "error");
    c.write_text(std::string(2u << 20, 'y'));  // far over: read and discarded, still answered
    EXPECT_EQ(json_type(c.read()), "error");
    c.write_binary(std::string("\x00\x01", 2));
    EXPECT_EQ(json_type(c.read()), "error");

    c.write_text(R"({"type":"ping"})");
    EXPECT_EQ(c.read().data, R"({"type":"pong"})");
    c.write_text(R"({"type":"subscribe","session":"s1"})");
    EXPECT_EQ(c.read().data, R"({"type":"subscribed","session":"s1"})");
    EXPECT_EQ(hub->stats().bad_client_messages, 6u);
    EXPECT_EQ(hub->stats().clients, 1u);
}

// 10^4 malformed messages (tests/viz/hub_fuzz.h) while the hub broadcasts as a live run's does:
// every one is answered with an error or ends its connection as the protocol says (bad UTF-8,
// past the read limit), none takes the hub down, and a reading client misses no text.
TEST(Hub, FuzzedClientMessagesAreAnsweredAndNeverTakeTheHubDown) {
    auto hub = start_hub(secured_options("tok"));
    WsClient watcher(hub->port(), "/ws?token=tok");
    ASSERT_EQ(watcher.read().data, kHello);
    std::atomic<bool> done{false};
    std::atomic<int> broadcast{0};
    std::thread live([&] {
        const auto frame = shared(std::string(20000, 'f'));
        while (!done) {
            hub->broadcast_text(shared(R"({"type":"metrics","step":)" + std::to_string(broadcast++) + "}"));
            hub->broadcast_frame(frame);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    std::thread reader([&] {  // the watcher reads all along, as a page does
        int expect = 0;
        try {
            for (;;) {
                const WsMessage m = watcher.read();
                if (!m.text) continue;
                if (m.data == R"({"type":"end"})") break;
                EXPECT_EQ(m.data, R"({"type":"metrics","step":)" + std::to_string(expect++) + "}");
            }
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the watcher lost its connection: " << e.what();
        }
    });
    hubtest::FuzzStats stats;
    EXPECT_NO_THROW(stats = hubtest::fuzz_hub(hub->port(), "/ws?token=tok", 10000, /*seed=*/1));
    done = true;
    live.join();
    hub->broadcast_text(shared(R"({"type":"end"})"));
    reader.join();
    EXPECT_EQ(stats.sent, 10000u);
    EXPECT_EQ(stats.unexpected, 0u) << "a connection closed that should have stayed up";
    EXPECT_GT(stats.closed, 0u);
    EXPECT_EQ(stats.replies + stats.closed, stats.sent);
    EXPECT_GE(hub->stats().bad_client_messages, stats.replies * 9 / 10) << "nearly every answer is an error";
    // Still serving: a fresh client gets its hello and a pong.
    WsClient after(hub->port(), "/ws?token=tok");
    EXPECT_EQ(after.read().data, kHello);
    after.write_text(R"({"type":"ping"})");
    for (;;) {
        const WsMessage m = after.read();
        if (m.text && m.data == R"({"type":"pong"})") break;
    }
    std::printf("fuzz: %llu messages (%llu bytes), %llu answered, %llu closed the connection as they must\n",
                (unsigned long long)stats.sent, (unsigned long long)stats.bytes, (unsigned long long)stats.replies,
                (unsigned long long)stats.closed);
}

// A client that never reads: frames are dropped for it, and once 4096 texts wait for it the hub
// disconnects it, so what it costs stays bounded; a reading client gets every text.
TEST(Hub, AClientThatNeverReadsIsCutOffAtTheTextLimit) {
    auto hub = start_hub(local_options());
    auto stuck = std::make_unique<WsClient>(hub->port());  // never reads
    WsClient reader(hub->port());
    ASSERT_EQ(reader.read().data, kHello);
    ASSERT_TRUE(wait_until([&] { return hub->stats().clients == 2; }));
    const int texts = 8000;  // 8 KiB each: 64 MiB, far past what the sockets' buffers hold
    std::atomic<int> got{0};
    std::thread reading([&] {
        try {
            for (int i = 0; i < texts; ++i, ++got) {
                const WsMessage m = reader.read();
                ASSERT_EQ(m.data.size(), 8192u);
                ASSERT_EQ(m.data.substr(0, 8), std::to_string(10000000 + i));
            }
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the reading client lost its connection after " << got << " texts: " << e.what();
        }
    });
    for (int i = 0; i < texts; ++i) {
        // Paced by the reader (at most 1000 ahead of it), so only the stuck client falls behind.
        while (i - got.load() > 1000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::string t = std::to_string(10000000 + i);
        t.resize(8192, ' ');
        hub->broadcast_text(shared(std::move(t)));
    }
    reading.join();
    EXPECT_TRUE(wait_until([&] { return hub->stats().clients == 1; })) << "the stuck client is still connected";
}

// 1000 connections that never send a byte and a slowloris client (a request's header trickling
// in, never finished) take one socket each and nothing else: the hub keeps serving HTTP and the
// WebSocket. (Each HTTP connection has a 30 s deadline for its whole request, so both are cut off
// in the end; not waited for here.)
TEST(Hub, ThousandIdleConnectionsAndASlowlorisDoNotStopTheHub) {
    // Two file descriptors per connection in this one process (ours and the hub's).
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    const int idle_count = static_cast<int>(std::min<rlim_t>(1000, (lim.rlim_cur - 64) / 2));
    if (idle_count < 1000) std::printf("RLIMIT_NOFILE allows %d idle connections, not 1000\n", idle_count);

    auto hub = start_hub(local_options());
    const int port = hub->port();
    hubtest::net::io_context ioc;
    const hubtest::tcp::endpoint at(hubtest::net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    std::vector<std::unique_ptr<hubtest::tcp::socket>> idle;
    for (int i = 0; i < idle_count; ++i) {
        idle.push_back(std::make_unique<hubtest::tcp::socket>(ioc));
        idle.back()->connect(at);
    }
    hubtest::tcp::socket slow(ioc);
    slow.connect(at);
    const std::string head = "GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const char c : head) hubtest::net::write(slow, hubtest::net::buffer(&c, 1));
    for (int i = 0; i < 20; ++i) {
        const std::string field = "X-Slow-" + std::to_string(i) + ": " + std::string(i, 'a') + "\r\n";
        hubtest::net::write(slow, hubtest::net::buffer(field));
        EXPECT_EQ(http_request(port, "/api/sessions").status, 200) << "while the slow request trickles in";
    }
    WsClient ws(port);
    EXPECT_EQ(ws.read().data, kHello);
    hub->broadcast_text(shared(R"({"type":"after"})"));
    EXPECT_EQ(ws.read().data, R"({"type":"after"})");
    // The idle ones were accepted too: each gets an answer the moment it asks.
    for (int i : {0, idle_count / 2, idle_count - 1}) {
        hubtest::net::write(*idle[i], hubtest::net::buffer(std::string("GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")));
        hubtest::beast::flat_buffer buffer;
        hubtest::http::response<hubtest::http::string_body> res;
        hubtest::http::read(*idle[i], buffer, res);
        EXPECT_EQ(res.result_int(), 200) << "idle connection " << i;
    }
}

TEST(Hub, SlowClientDoesNotBlockBroadcastsOrOtherClients) {
    HubOptions options = local_options();
    options.max_queued_frames = 4;
    auto hub = start_hub(options);
    auto slow = std::make_unique<WsClient>(hub->port());  // never reads a byte
    WsClient reader(hub->port());
    ASSERT_EQ(reader.read().data, kHello);
    ASSERT_TRUE(wait_until([&] { return hub->stats().clients == 2; }));

    // 50 MiB per client: far more than the slow client's socket buffers can take.
    constexpr int kFrames = 200;
    for (int i = 0; i < kFrames; ++i) {
        std::string bytes(256 * 1024, static_cast<char>(i));
        std::memcpy(bytes.data(), &i, sizeof i);
        hub->broadcast_frame(shared(std::move(bytes)));
    }
    hub->broadcast_text(shared(R"({"type":"done"})"));

    std::vector<int> got;
    for (;;) {
        const WsMessage m = reader.read();
        if (m.text) {
            EXPECT_EQ(m.data, R"({"type":"done"})");
            break;
        }
        ASSERT_EQ(m.data.size(), 256u * 1024u);
        int index = -1;
        std::memcpy(&index, m.data.data(), sizeof index);
        got.push_back(index);
    }
    ASSERT_FALSE(got.empty());
    for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1], got[i]);  // dropped, never reordered
    EXPECT_EQ(got.back(), kFrames - 1);  // the newest frame is never the one dropped
    EXPECT_GT(hub->stats().frames_dropped, 0u);

    slow->abort();
    slow.reset();
    ASSERT_TRUE(wait_until([&] { return hub->stats().clients == 1; }));
    hub->broadcast_text(shared(R"({"type":"after"})"));
    EXPECT_EQ(reader.read().data, R"({"type":"after"})");
}

TEST(Hub, ClientVanishingMidFrameIsRemovedAndOthersAreServed) {
    auto hub = start_hub(local_options());
    auto victim = std::make_unique<WsClient>(hub->port());
    WsClient other(hub->port());
    ASSERT_EQ(victim->read().data, kHello);
    ASSERT_EQ(other.read().data, kHello);

    const auto big = shared(std::string(4u << 20, 'f'));
    for (int i = 0; i < 6; ++i) hub->broadcast_frame(big);
    hub->broadcast_text(shared(R"({"type":"after"})"));
    EXPECT_GT(victim->read_part(64 * 1024), 0u);  // into the first frame ...
    victim->abort();                              // ... and gone, with RST
    victim.reset();

    for (;;) {
        const WsMessage m = other.read();
        if (m.text) {
            EXPECT_EQ(m.data, R"({"type":"after"})");
            break;
        }
        EXPECT_EQ(m.data.size(), big->size());
    }
    ASSERT_TRUE(wait_until([&] { return hub->stats().clients == 1; }));

    WsClient late(hub->port());
    EXPECT_EQ(late.read().data, kHello);
    hub->broadcast_text(shared(R"({"type":"again"})"));
    EXPECT_EQ(other.read().data, R"({"type":"again"})");
    EXPECT_EQ(late.read().data, R"({"type":"again"})");
}

TEST(Hub, StopClosesClientsAndIsIdempotent) {
    auto hub = start_hub(local_options());
    WsClient c(hub->port());
    ASSERT_EQ(c.read().data, kHello);
    // What was broadcast before stop() still arrives, then a close frame (not a dropped socket).
    hub->broadcast_text(shared(R"({"type":"last"})"));
    hub->broadcast_frame(shared("dropped on stop, or sent: either is fine"));
    hub->stop();
    std::vector<std::string> texts;
    for (int i = 0; i < 3; i++) {  // the text, perhaps the frame, then the close
        try {
            WsMessage m = c.read();
            if (m.text) texts.push_back(m.data);
        } catch (const std::exception&) {
            break;
        }
    }
    EXPECT_EQ(texts, std::vector<std::string>{R"({"type":"last"})"});
    EXPECT_EQ(c.close_code(), 1001);
    EXPECT_EQ(hub->stats().clients, 0u);
    hub->broadcast_text(shared("{}"));  // after stop: ignored, no crash
    hub->stop();
}

TEST(Hub, StopReturnsWhileAClientIsStuckMidWrite) {
    auto hub = start_hub(local_options());
    WsClient stuck(hub->port());  // never reads: the hub's write to it cannot finish
    ASSERT_TRUE(wait_until([&] { return hub->stats().clients == 1; }));
    // A kept-alive HTTP connection that never sends a request.
    hubtest::net::io_context ioc;
    hubtest::tcp::socket idle(ioc);
    idle.connect({hubtest::net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(hub->port())});
    EXPECT_EQ(http_request(hub->port(), "/api/sessions").status, 200);  // accepted after `idle`

    const auto big = shared(std::string(8u << 20, 's'));
    for (int i = 0; i < 8; ++i) hub->broadcast_frame(big);
    // stop() must close both instead of waiting for the write or the HTTP read timeout.
    hub->stop();
    EXPECT_EQ(hub->stats().clients, 0u);
    char byte = 0;
    hubtest::beast::error_code ec;
    EXPECT_EQ(idle.read_some(hubtest::net::buffer(&byte, 1), ec), 0u);
    EXPECT_TRUE(ec) << "the hub left the idle HTTP connection open";
}

// ---------------------------------------------------------------- HTTP: static files

TEST(Hub, ServesStaticFilesWithContentTypes) {
    hubtest::StaticTree tree;
    auto hub = start_hub(local_options(tree.static_dir()));
    const int port = hub->port();

    HttpResult r = http_request(port, "/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, "<!doctype html><title>INDEX</title>");
    EXPECT_EQ(http_request(port, "/index.html").body, r.body);
    EXPECT_EQ(http_request(port, "/sub/").body, "SUBINDEX");

    const std::vector<std::pair<std::string, std::string>> types = {
        {"/app.js", "text/javascript; charset=utf-8"}, {"/mod.mjs", "text/javascript; charset=utf-8"},
        {"/style.css", "text/css; charset=utf-8"},     {"/data.json", "application/json"},
        {"/app.js.map", "application/json"},           {"/img.png", "image/png"},
        {"/icon.svg", "image/svg+xml"},                {"/mod.wasm", "application/wasm"},
    };
    for (const auto& [target, type] : types) {
        r = http_request(port, target);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.content_type, type) << target;
    }
    EXPECT_EQ(http_request(port, "/img.png").body, std::string("\x89PNG\r\n\x1a\n\0\0", 10));
    EXPECT_EQ(http_request(port, "/missing.js").status, 404);
    EXPECT_EQ(http_request(port, "/sub").status, 404);  // a directory is not a file
    EXPECT_EQ(http_request(port, "/app.js", {}, hubtest::http::verb::post).status, 405);
}

// The page's libraries are mounted from npm's tree at /vendor/<package>/, confined to that
// directory like the frontend, and a library that is not installed says how to install it.
TEST(Hub, ServesLibrariesFromTheirMountsAndSaysWhenOneIsMissing) {
    hubtest::StaticTree tree;
    HubOptions o = local_options(tree.static_dir());
    o.static_mounts = {{"/vendor/lib/", (tree.root() / "static" / "sub").string()},
                       {"/vendor/absent/", (tree.root() / "no-such-dir").string()}};
    auto hub = start_hub(o);
    const int port = hub->port();
    HttpResult r = http_request(port, "/vendor/lib/index.html");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "SUBINDEX");
    EXPECT_EQ(http_request(port, "/index.html").body, "<!doctype html><title>INDEX</title>");
    // Outside the mount: the mount's own root is the limit, whatever lies beside it.
    EXPECT_EQ(http_request(port, "/vendor/lib/app.js").status, 404);
    EXPECT_EQ(http_request(port, "/vendor/lib/../app.js").status, 400);
    r = http_request(port, "/vendor/absent/x.js");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("npm install"), std::string::npos) << r.body;
    // A prefix that only starts like a mount is served from the frontend as usual.
    EXPECT_EQ(http_request(port, "/vendor/library.js").status, 404);

    DashboardFiles files = dashboard_files(tree.root().string());
    EXPECT_EQ(files.frontend_dir, (tree.root() / "frontend").string());
    EXPECT_EQ(missing_library_files(files).size(), 2u);  // no node_modules there
}

TEST(Hub, RefusesPathTraversal) {
    hubtest::StaticTree tree;
    auto hub = start_hub(local_options(tree.static_dir()));
    const std::string secret_abs = (tree.root() / "secret.txt").string();  // starts with '/'

    // Targets that spell ".." (plainly, encoded, or mixed with backslashes/NUL): 400.
    for (const std::string target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/a/../../secret.txt", "/..%2fsecret.txt",
          "/%2e%2e%2fsecret.txt", "/sub/..%5c..%5csecret.txt", "/secret.txt%00.html", "http://127.0.0.1/../secret.txt",
          "/static/../../secret.txt"}) {
        const HttpResult r = http_request(hub->port(), target);
        EXPECT_EQ(r.status, 400) << target;
        EXPECT_EQ(r.body.find(hubtest::kSecret), std::string::npos) << target;
    }
    // Targets that stay plain but point outside: absolute paths, symlinks, double encoding: 404.
    for (const std::string& target : std::vector<std::string>{"/" + secret_abs, secret_abs, "/link_out",
                                                               "/dir_out/secret.txt", "/%252e%252e/secret.txt",
                                                               "/dir_out/"}) {
        const HttpResult r = http_request(hub->port(), target);
        EXPECT_EQ(r.status, 404) << target;
        EXPECT_EQ(r.body.find(hubtest::kSecret), std::string::npos) << target;
    }
}

// ---------------------------------------------------------------- HTTP: REST

TEST(Hub, RestRoutesAnswerFromHistory) {
    auto hub = start_hub(local_options());
    const int port = hub->port();
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"/api/sessions", FakeHistory::kSessions},
        {"/api/sessions/s1/run", FakeHistory::kRun},
        {"/api/sessions/s1/metrics", FakeHistory::kMetrics},
        {"/api/sessions/s1/events", FakeHistory::kEvents},
        {"/api/sessions/s1/frames", FakeHistory::kFrames},
    };
    for (const auto& [target, body] : routes) {
        const HttpResult r = http_request(port, target);
        EXPECT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.content_type, "application/json") << target;
        EXPECT_EQ(r.cache_control, "no-store") << target;
        EXPECT_EQ(r.body, body) << target;
    }
    const HttpResult frame = http_request(port, "/api/sessions/s1/frames/5");
    EXPECT_EQ(frame.status, 200);
    EXPECT_EQ(frame.content_type, "application/octet-stream");
    EXPECT_EQ(frame.cache_control, "no-store");
    EXPECT_EQ(frame.body, FakeHistory::frame_bytes());
}

TEST(Hub, RestErrorsAreJson) {
    auto hub = start_hub(local_options());
    const int port = hub->port();
    const std::vector<std::pair<std::string, int>> cases = {
        {"/api/sessions/nope/run", 404},      {"/api/sessions/nope/metrics", 404},
        {"/api/sessions/nope/frames", 404},   {"/api/sessions/s1/frames/6", 404},
        {"/api/sessions/nope/frames/5", 404}, {"/api/sessions/s1/nothing", 404},
        {"/api/other", 404},                  {"/api/sessions/bad$id/run", 400},
        {"/api/sessions/a%20b/run", 400},     {"/api/sessions/../run", 400},
        {"/api/sessions/s1/frames/x", 400},   {"/api/sessions/s1/frames/-1", 400},
        {"/api/sessions/s1/frames/+5", 400},  {"/api/sessions/s1/frames/99999999999", 400},
        {"/api/sessions/boom/run", 500},
    };
    for (const auto& [target, status] : cases) {
        const HttpResult r = http_request(port, target);
        EXPECT_EQ(r.status, status) << target;
        EXPECT_EQ(r.content_type, "application/json") << target;
        rapidjson::Document doc;
        doc.Parse(r.body.c_str());
        EXPECT_TRUE(doc.IsObject() && doc.HasMember("error") && doc["error"].IsString()) << target << ": " << r.body;
    }
    EXPECT_EQ(http_request(port, "/api/sessions", {}, hubtest::http::verb::post).status, 405);
    EXPECT_EQ(http_request(port, "/api/sessions", {}, hubtest::http::verb::head).status, 405);
    EXPECT_EQ(http_request(port, "/api/sessions").status, 200);  // still serving after the 500
}

// ---------------------------------------------------------------- binding and auth

TEST(Hub, NoTokenIsAllowedOnLoopbackOnly) {
    for (const char* host : {"0.0.0.0", "::", "10.1.2.3"}) {
        HubOptions o = local_options();
        o.host = host;
        try {
            Hub hub(o, std::make_shared<FakeHistory>());
            ADD_FAILURE() << "no error for " << host;
        } catch (const nanogpt::Error& e) {
            EXPECT_EQ(std::string(e.what()), std::string("--viz-no-token is allowed on loopback only, not with --viz-host ") + host);
            EXPECT_FALSE(e.hint().empty());
        }
    }
    HubOptions o = secured_options("");
    o.host = "0.0.0.0";  // beyond loopback with a (random) token: fine
    EXPECT_NO_THROW(Hub(o, std::make_shared<FakeHistory>()));
    o = local_options();
    o.host = "localhost";
    EXPECT_NO_THROW(Hub(o, std::make_shared<FakeHistory>()));
}

// With no token given, each hub makes its own, random and long, and puts it in its address.
TEST(Hub, ARandomTokenByDefaultInTheAddress) {
    Hub a(secured_options(""), std::make_shared<FakeHistory>()), b(secured_options(""), std::make_shared<FakeHistory>());
    EXPECT_EQ(a.token().size(), 48u);
    EXPECT_EQ(a.token().find_first_not_of("0123456789abcdef"), std::string::npos) << a.token();
    EXPECT_NE(a.token(), b.token());
    EXPECT_EQ(a.url(), "http://127.0.0.1:" + std::to_string(a.port()) + "/?token=" + a.token());
    a.start();
    EXPECT_EQ(http_request(a.port(), "/api/sessions").status, 401);
    EXPECT_EQ(http_request(a.port(), "/api/sessions?token=" + a.token()).status, 200);
    EXPECT_EQ(http_request(a.port(), "/api/sessions?token=" + b.token()).status, 401);
    // A chosen token with characters a URL must escape is escaped in the address.
    Hub c(secured_options("a b&c"), std::make_shared<FakeHistory>());
    EXPECT_EQ(c.url(), "http://127.0.0.1:" + std::to_string(c.port()) + "/?token=a%20b%26c");
    EXPECT_EQ(Hub(local_options(), nullptr).url().find('?'), std::string::npos);
}

TEST(Hub, TokenIsRequiredForHttpAndUpgrade) {
    auto hub = start_hub(secured_options("t0k/en+x"));
    const int port = hub->port();
    const hubtest::Headers bearer = {{"Authorization", "Bearer t0k/en+x"}};

    EXPECT_EQ(http_request(port, "/api/sessions").status, 401);
    EXPECT_EQ(http_request(port, "/").status, 401);
    EXPECT_EQ(http_request(port, "/api/sessions?token=wrong").status, 401);
    EXPECT_EQ(http_request(port, "/api/sessions?token=t0k/en+").status, 401);
    EXPECT_EQ(http_request(port, "/api/sessions", {{"Authorization", "Bearer wrong"}}).status, 401);
    const HttpResult by_query = http_request(port, "/api/sessions?token=t0k%2Fen%2Bx");
    EXPECT_EQ(by_query.status, 200);
    EXPECT_EQ(by_query.body, FakeHistory::kSessions);
    EXPECT_EQ(http_request(port, "/api/sessions?token=t0k/en+x").status, 200);
    EXPECT_EQ(http_request(port, "/api/sessions", bearer).status, 200);
    // The cookie set with a ?token= answer lets the page load its scripts; its name carries the
    // port, so two dashboards on one machine keep their own.
    ASSERT_FALSE(by_query.set_cookie.empty());
    EXPECT_EQ(by_query.set_cookie.rfind("nanogpt_viz_" + std::to_string(port) + "=", 0), 0u) << by_query.set_cookie;
    const std::string cookie = by_query.set_cookie.substr(0, by_query.set_cookie.find(';'));
    EXPECT_EQ(http_request(port, "/api/sessions", {{"Cookie", cookie}}).status, 200);

    EXPECT_EQ(WsClient::upgrade_status(port, "/ws"), 401);
    EXPECT_EQ(WsClient::upgrade_status(port, "/ws?token=nope"), 401);
    EXPECT_EQ(hub->stats().clients, 0u);
    WsClient by_param(port, "/ws?token=t0k%2Fen%2Bx");
    EXPECT_EQ(by_param.read().data, kHello);
    WsClient by_header(port, "/ws", bearer);
    EXPECT_EQ(by_header.read().data, kHello);
}

// Over a real socket: a page elsewhere cannot open the WebSocket, even holding the token.
TEST(Hub, CrossOriginWebSocketIsRefused) {
    auto hub = start_hub(secured_options("tok"));
    const int port = hub->port();
    const std::string self = "http://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(WsClient::upgrade_status(port, "/ws?token=tok", {{"Origin", "http://evil.example"}}), 403);
    EXPECT_EQ(WsClient::upgrade_status(port, "/ws?token=tok", {{"Origin", "http://127.0.0.1:" + std::to_string(port + 1)}}), 403);
    EXPECT_EQ(WsClient::upgrade_status(port, "/ws?token=tok", {{"Origin", "null"}}), 403);
    EXPECT_EQ(hub->stats().clients, 0u);
    WsClient same(port, "/ws?token=tok", {{"Origin", self}});
    EXPECT_EQ(same.read().data, kHello);
    // Another method with a foreign Origin is refused before it is routed.
    EXPECT_EQ(http_request(port, "/api/sessions?token=tok", {{"Origin", "http://evil.example"}},
                           hubtest::http::verb::post).status, 403);
    EXPECT_GE(hub->stats().refused_requests, 4u);
}

// DNS rebinding: evil.example resolves to 127.0.0.1, the page's requests carry Host: evil.example.
TEST(Hub, RebindingHostIsRefused) {
    auto hub = start_hub(secured_options("tok"));
    const int port = hub->port();
    const std::string p = std::to_string(port);
    HttpResult r = http_request(port, "/api/sessions?token=tok", {{"Host", "evil.example:" + p}});
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("DNS rebinding"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(FakeHistory::kSessions), std::string::npos);
    EXPECT_EQ(WsClient::upgrade_status(port, "/ws?token=tok", {{"Host", "evil.example:" + p}}), 403);
    EXPECT_EQ(http_request(port, "/api/sessions?token=tok", {{"Host", "localhost:" + p}}).status, 200);
    EXPECT_EQ(http_request(port, "/api/sessions?token=tok", {{"Host", "[::1]:" + p}}).status, 200);

    HubOptions o = secured_options("tok");
    o.allowed_hosts = {"box.lan"};
    auto named = start_hub(o);
    EXPECT_EQ(http_request(named->port(), "/api/sessions?token=tok", {{"Host", "box.lan"}}).status, 200);
    EXPECT_EQ(http_request(named->port(), "/api/sessions?token=tok", {{"Host", "evil.example"}}).status, 403);
}

// The token is read from ?token=, the header and the cookie, never from a Referer (which a
// page the dashboard links to would otherwise receive; the hub also sends no-referrer).
TEST(Hub, TokenInRefererIsNotAccepted) {
    auto hub = start_hub(secured_options("tok"));
    const std::string referer = "http://127.0.0.1:" + std::to_string(hub->port()) + "/?token=tok";
    const HttpResult r = http_request(hub->port(), "/api/sessions", {{"Referer", referer}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(WsClient::upgrade_status(hub->port(), "/ws", {{"Referer", referer}}), 401);
    EXPECT_EQ(http_request(hub->port(), "/", {{"Referer", referer}}).header("Referrer-Policy"), "no-referrer");
}

TEST(Hub, CrossSiteSubresourceRequestsAreRefused) {
    auto hub = start_hub(secured_options("tok"));
    const HttpResult r = http_request(hub->port(), "/api/sessions",
                                      {{"Cookie", "nanogpt_viz_" + std::to_string(hub->port()) + "=tok"},
                                       {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "no-cors"}});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(http_request(hub->port(), "/?token=tok", {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}})
                  .status, 404);  // a link from elsewhere reaches the page (no static dir here: 404)
}

// Every answer, whatever its status, carries the security headers; the page's policy allows
// exactly the inline import map it holds.
TEST(Hub, SecurityHeadersOnEveryReply) {
    hubtest::StaticTree tree;
    auto hub = start_hub(secured_options("tok", tree.static_dir()));
    const int port = hub->port();
    const std::string p = std::to_string(port);
    const std::vector<std::pair<std::string, hubtest::Headers>> requests = {
        {"/?token=tok", {}},
        {"/app.js?token=tok", {}},
        {"/api/sessions?token=tok", {}},
        {"/missing.js?token=tok", {}},
        {"/api/sessions", {}},                                     // 401
        {"/api/sessions?token=tok", {{"Host", "evil.example"}}},  // 403
        {"/../x", {}},                                             // 400
    };
    for (const auto& [target, headers] : requests) {
        const HttpResult r = http_request(port, target, headers);
        const std::string csp = r.header("Content-Security-Policy");
        EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << target << ": " << csp;
        EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << target;
        EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << target;
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << target;
        EXPECT_EQ(r.header("X-Frame-Options"), "DENY") << target;
        EXPECT_EQ(r.header("Cross-Origin-Resource-Policy"), "same-origin") << target;
    }
    // The test tree's index.html has no inline script; a page with one gets its hash.
    const HttpResult page = http_request(port, "/inline.html?token=tok");
    ASSERT_EQ(page.status, 200);
    const std::vector<std::string> hashes = inline_script_hashes(page.body);
    ASSERT_EQ(hashes.size(), 1u);
    EXPECT_EQ(page.header("Content-Security-Policy"), content_security_policy(hashes));
}

TEST(Hub, UpgradeOnlyAtWs) {
    auto hub = start_hub(local_options());
    EXPECT_EQ(WsClient::upgrade_status(hub->port(), "/other"), 404);
    EXPECT_EQ(http_request(hub->port(), "/ws").status, 426);
}

TEST(Hub, PortInUseThrows) {
    auto first = start_hub(local_options());
    HubOptions o = local_options();
    o.port = first->port();
    try {
        Hub second(o, std::make_shared<FakeHistory>());
        ADD_FAILURE() << "second hub bound a port in use";
    } catch (const nanogpt::Error& e) {
        EXPECT_EQ(std::string(e.what()), "port " + std::to_string(first->port()) + " on 127.0.0.1 is in use");
        EXPECT_NE(e.hint().find("--viz-port"), std::string::npos);
    }
}

// A taken port: the next ones are tried, then any; the hub says which port it took instead.
TEST(Hub, PortInUseTakesTheNextFreePortAndSaysSo) {
    auto first = start_hub(local_options());
    HubOptions o = local_options();
    o.port = first->port();
    o.port_retries = 3;
    Hub second(o, std::make_shared<FakeHistory>());
    EXPECT_NE(second.port(), first->port());
    EXPECT_EQ(second.port_note(), "port " + std::to_string(first->port()) + " was in use");
    EXPECT_EQ(first->port_note(), "");  // port 0 asked for any: nothing to say
    second.start();
    EXPECT_EQ(http_request(second.port(), "/api/sessions").status, 200);
}

// Trainers started together race for one port: with SO_REUSEADDR both can bind it, and the one
// that listens second is refused at listen(). That is a port in use (Hub then moves on), not a
// failure to serve.
TEST(Listener, APortAnotherServerListensOnBetweenBindAndListenIsInUse) {
    net::io_context ioc;
    tcp::acceptor ours(ioc), theirs(ioc);
    bind_reusable(ours, {net::ip::make_address("127.0.0.1"), 0}, "127.0.0.1");
    const tcp::endpoint at = ours.local_endpoint();
    bind_reusable(theirs, at, "127.0.0.1");
    start_listening(theirs, at, "127.0.0.1");
    try {
        start_listening(ours, at, "127.0.0.1");
        ADD_FAILURE() << "two sockets listen on port " << at.port();
    } catch (const PortInUse& e) {
        EXPECT_EQ(std::string(e.what()), "port " + std::to_string(at.port()) + " on 127.0.0.1 is in use");
    }
}

TEST(Hub, UrlNamesTheBoundPort) {
    Hub hub(local_options(), nullptr);
    EXPECT_GT(hub.port(), 0);
    EXPECT_EQ(hub.url(), "http://127.0.0.1:" + std::to_string(hub.port()) + "/");
    hub.start();
    EXPECT_EQ(http_request(hub.port(), "/api/sessions").status, 503);  // no history source
}

}  // namespace
}  // namespace nanogpt::viz::hub
