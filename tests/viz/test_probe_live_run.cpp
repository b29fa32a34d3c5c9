// test_probe_live_run.cpp: the probe in a real `nanogpt train` watched over the WebSocket: a
// `probe` text message after each evaluation, whose record the hub serves over REST while the
// run goes on (an NGVF frame marked by meta.probe with every layer's patterns on both shown
// rows), and no probe record on the binary channel, which carries parameter frames only.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <set>

#include <rapidjson/document.h>

#include "hub_test_client.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "viz/frame.h"

using namespace nanogpt;

namespace {

rapidjson::Document parse(const std::string& s) {
    rapidjson::Document d;
    d.Parse(s.c_str());
    return d;
}

TEST(ProbeLiveRun, ProbeMessagesFollowEvaluationsAndTheirRecordsAreServed) {
    test::TempDir dir("probe-live");
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + dir.path() + "/data > /dev/null").c_str()));
    test::ChildProcess child(bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml" +
                             " --data-dir " + dir.path() + "/data --out-dir " + dir.path() + "/out --viz-runs-dir " +
                             dir.path() + "/runs --viz-port 0 --viz-no-token --viz-interval 5 --eval-interval 10 --eval-iters 2" +
                             " --sample-tokens 0 --log-interval 1000 --max-iters 100000");
    auto url = child.until(std::regex(R"(dashboard: http://127\.0\.0\.1:(\d+)/)"));
    ASSERT_TRUE(url) << child.output();
    const int port = std::stoi((*url)[1]);
    hubtest::WsClient ws(port);
    const std::string session = parse(ws.read().data)["session"].GetString();

    std::set<int> eval_steps;
    std::vector<int> probe_steps;
    int binaries = 0;
    while (probe_steps.size() < 2) {
        hubtest::WsMessage msg = ws.read();
        if (!msg.text) {
            const viz::Frame f = viz::decode_frame(msg.data);
            EXPECT_EQ(f.meta_json.find("\"probe\""), std::string::npos) << "a probe record on the binary channel";
            binaries++;
            continue;
        }
        auto d = parse(msg.data);
        const std::string type = d["type"].GetString();
        if (type == "event" && std::string(d["kind"].GetString()) == "eval") eval_steps.insert(d["step"].GetInt());
        if (type != "probe") continue;
        const int step = d["step"].GetInt();
        // (The client may connect between the first evaluation's event and its probe.)
        if (!probe_steps.empty()) EXPECT_TRUE(eval_steps.count(step)) << "a probe at step " << step << " follows its evaluation";
        EXPECT_STREQ(d["session"].GetString(), session.c_str());
        EXPECT_EQ(d["T"].GetInt(), 64);
        EXPECT_EQ(d["heads"]["prev_token"].Size(), 16u);
        EXPECT_GT(d["ms"].GetDouble(), 0.0);
        probe_steps.push_back(step);

        // The record is on disk before the message goes out: the hub serves it now.
        const hubtest::HttpResult r =
            hubtest::http_request(port, "/api/sessions/" + session + "/probes/" + std::to_string(step));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.content_type, "application/octet-stream");
        EXPECT_EQ(r.body.size(), d["bytes"].GetUint64());
        const viz::Frame f = viz::decode_frame(r.body);
        EXPECT_EQ(f.step, step);
        int att = 0;
        for (const viz::FrameTensor& t : f.tensors) att += t.name == "att";
        EXPECT_EQ(att, 4 * 2) << "4 layers x the text and repeat rows";
        auto meta = parse(f.meta_json);
        ASSERT_TRUE(meta.HasMember("probe"));
        EXPECT_EQ(meta["probe"]["rows"][0]["text"].Size(), 64u) << "the probe text, token by token";
    }
    EXPECT_EQ(probe_steps[0] % 10, 0);
    EXPECT_EQ(probe_steps[1], probe_steps[0] + 10) << "one probe per evaluation";
    EXPECT_GT(binaries, 0) << "parameter frames still arrive";
    const hubtest::HttpResult index = hubtest::http_request(port, "/api/sessions/" + session + "/probes");
    ASSERT_EQ(index.status, 200);
    EXPECT_GE(parse(index.body)["probes"].Size(), 2u);
    child.signal(SIGTERM);
    EXPECT_EQ(child.wait(), 128 + SIGTERM) << child.output();
}

}  // namespace
