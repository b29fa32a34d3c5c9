// test_hub.cpp: the dashboard hub over real loopback sockets (a Beast client in the test
// thread, the hub's own I/O thread serving), plus its pure request and message helpers.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "hub_fake_history.h"
#include "hub_test_client.h"
#include "hub_test_files.h"
#include "viz/hub/hub.h"
#include "viz/hub/client_message.h"
#include "viz/hub/request.h"
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

HubOptions local_options(const std::string& static_dir = "") {
    HubOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.static_dir = static_dir;
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
    const std::string cookie = token_cookie("a b;c");
    const std::string pair = cookie.substr(0, cookie.find(';'));
    EXPECT_EQ(cookie_token("other=1; " + pair).value_or(""), "a b;c");
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

TEST(Hub, NonLoopbackHostWithoutTokenThrows) {
    for (const char* host : {"0.0.0.0", "::", "10.1.2.3"}) {
        HubOptions o = local_options();
        o.host = host;
        try {
            Hub hub(o, std::make_shared<FakeHistory>());
            ADD_FAILURE() << "no error for " << host;
        } catch (const nanogpt::Error& e) {
            EXPECT_EQ(std::string(e.what()), std::string("binding to ") + host + " needs --viz-token");
            EXPECT_FALSE(e.hint().empty());
        }
    }
    HubOptions o = local_options();
    o.host = "0.0.0.0";
    o.token = "t";
    EXPECT_NO_THROW(Hub(o, std::make_shared<FakeHistory>()));
    o = local_options();
    o.host = "localhost";
    EXPECT_NO_THROW(Hub(o, std::make_shared<FakeHistory>()));
}

TEST(Hub, TokenIsRequiredForHttpAndUpgrade) {
    HubOptions o = local_options();
    o.token = "t0k/en+x";
    auto hub = start_hub(o);
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
    // The cookie set with a ?token= answer lets the page load its scripts.
    ASSERT_FALSE(by_query.set_cookie.empty());
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

TEST(Hub, UrlNamesTheBoundPort) {
    Hub hub(local_options(), nullptr);
    EXPECT_GT(hub.port(), 0);
    EXPECT_EQ(hub.url(), "http://127.0.0.1:" + std::to_string(hub.port()) + "/");
    hub.start();
    EXPECT_EQ(http_request(hub.port(), "/api/sessions").status, 503);  // no history source
}

}  // namespace
}  // namespace nanogpt::viz::hub
