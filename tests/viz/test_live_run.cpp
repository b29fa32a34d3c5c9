// test_live_run.cpp: a real `nanogpt train` with the dashboard on, watched by a real WebSocket
// client: hello first, a metrics message for every step, a binary frame every viz interval;
// and the recorded frame of the last step equals the checkpoint written at that step. Ctrl-C
// (SIGINT) or SIGTERM: the step in flight finishes, the run is recorded as interrupted, clients
// get a close frame, the exit status is non-zero, and the run resumes where it stopped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <rapidjson/document.h>

#include "common/file_io.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "hub_test_client.h"
#include "trainer/checkpoint.h"
#include "viz/frame.h"

using namespace nanogpt;
namespace fs = std::filesystem;

namespace {

struct LiveProcess {
    std::string dir;
    FILE* out = nullptr;
    ~LiveProcess() {
        if (out) pclose(out);
        fs::remove_all(dir);
    }
};

rapidjson::Document parse(const std::string& s) {
    rapidjson::Document d;
    d.Parse(s.c_str());
    return d;
}

TEST(LiveRun, WebSocketClientSeesHelloMetricsAndFramesThatMatchTheCheckpoint) {
    LiveProcess run;
    std::random_device rd;
    run.dir = (fs::temp_directory_path() / ("nanogpt-live-" + std::to_string(rd()))).string();
    fs::create_directories(run.dir);
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + run.dir + "/data > /dev/null").c_str()));
    const int steps = 120, interval = 20;
    std::string cmd = bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml" +
                      " --data-dir " + run.dir + "/data --out-dir " + run.dir + "/out --viz-runs-dir " +
                      run.dir + "/runs --viz-port 0 --viz-interval " + std::to_string(interval) +
                      " --max-iters " + std::to_string(steps) + " --eval-interval 1000 --eval-iters 2" +
                      " --sample-tokens 0 --log-interval 1000 2>&1";
    run.out = popen(cmd.c_str(), "r");
    ASSERT_NE(run.out, nullptr);
    int port = 0;
    std::string token;
    char line[4096];
    std::regex url_re(R"(dashboard: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))");
    while (std::fgets(line, sizeof line, run.out)) {
        std::cmatch m;
        if (std::regex_search(line, m, url_re)) {
            port = std::stoi(m[1]);
            token = m[2];
            break;
        }
    }
    ASSERT_GT(port, 0) << "no dashboard line";

    hubtest::WsClient ws(port, "/ws?token=" + token);
    hubtest::WsMessage first = ws.read();
    ASSERT_TRUE(first.text);
    auto hello = parse(first.data);
    ASSERT_TRUE(hello.IsObject());
    EXPECT_STREQ(hello["type"].GetString(), "hello");
    EXPECT_EQ(hello["protocol"].GetInt(), 1);
    const std::string session = hello["session"].GetString();

    // Read until the run's last training step; collect metrics steps and frames.
    std::vector<int> metric_steps;
    std::vector<viz::Frame> frames;
    int last_train_step = -1;
    try {
        while (last_train_step < steps - 1) {
            hubtest::WsMessage msg = ws.read();
            if (!msg.text) {
                frames.push_back(viz::decode_frame(msg.data));
                continue;
            }
            auto d = parse(msg.data);
            ASSERT_TRUE(d.IsObject()) << msg.data;
            if (std::string(d["type"].GetString()) == "metrics") {
                EXPECT_EQ(std::string(d["session"].GetString()), session);
                if (d.HasMember("train_loss")) {
                    metric_steps.push_back(d["step"].GetInt());
                    last_train_step = d["step"].GetInt();
                }
            }
        }
    } catch (const std::exception& e) {
        // The run may end (and the hub close) right after the last step: fine, check below.
    }
    // Metrics for every step from the first one seen, consecutive (never dropped).
    ASSERT_GE(metric_steps.size(), 20u);
    for (size_t i = 1; i < metric_steps.size(); i++) EXPECT_EQ(metric_steps[i], metric_steps[i - 1] + 1);
    EXPECT_EQ(metric_steps.back(), steps - 1);
    ASSERT_GE(frames.size(), 2u);
    for (const viz::Frame& f : frames) {
        EXPECT_EQ(f.session, session);
        EXPECT_EQ(f.step % interval, 0);
    }
    while (std::fgets(line, sizeof line, run.out)) {}  // let training finish
    EXPECT_EQ(0, pclose(run.out));
    run.out = nullptr;

    // The recorded frame of the last step against the checkpoint of the same step.
    char name[32];
    std::snprintf(name, sizeof name, "%09d.bin", steps);
    viz::Frame last = viz::decode_frame(read_file(run.dir + "/runs/" + session + "/frames/" + name));
    ModelFile model = load_model(run.dir + "/out/model.bin");
    ParamLayout layout = ParamLayout::make(model.config);
    const int C = model.config.channels;
    int checked = 0;
    for (const viz::FrameTensor& t : last.tensors) {
        if (t.kind != "vector" || t.field != "value") continue;
        ParamIndex k = t.name == "ln1w" ? P_LN1W : t.name == "ln1b" ? P_LN1B : t.name == "ln2w" ? P_LN2W
                     : t.name == "ln2b" ? P_LN2B : t.name == "lnfw" ? P_LNFW : P_LNFB;
        const float* p = model.params.data() + layout.tensors[k].offset + (size_t)std::max(0, t.layer) * C;
        float scale = 0;
        for (int c = 0; c < C; c++) scale = std::max(scale, std::fabs(p[c]));
        for (int c = 0; c < C; c++) ASSERT_NEAR(t.data[c], p[c], scale / 127 * 0.51 + 1e-7) << t.name << " " << c;
        checked++;
    }
    EXPECT_EQ(checked, 4 * 4 + 2);  // ln1w, ln1b, ln2w, ln2b per layer, lnfw, lnfb
}

// A long run stopped by a signal once the client has seen a few steps.
void interrupt_run(int sig) {
    test::TempDir dir("interrupt");
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + dir.path() + "/data > /dev/null").c_str()));
    const std::string train = bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml" +
                              " --data-dir " + dir.path() + "/data --out-dir " + dir.path() + "/out --viz-runs-dir " +
                              dir.path() + "/runs --viz-port 0 --eval-interval 1000 --eval-iters 2 --sample-tokens 0";
    test::ChildProcess child(train + " --max-iters 100000");
    auto url = child.until(std::regex(R"(dashboard: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))"));
    ASSERT_TRUE(url) << child.output();
    hubtest::WsClient ws(std::stoi((*url)[1]), "/ws?token=" + (*url)[2].str());
    const std::string session = parse(ws.read().data)["session"].GetString();
    std::vector<std::string> kinds;
    int metrics = 0, last_step = -1;
    bool signalled = false;
    try {
        for (;;) {
            hubtest::WsMessage msg = ws.read();
            if (!msg.text) continue;
            auto d = parse(msg.data);
            const std::string type = d["type"].GetString();
            if (type == "metrics" && d.HasMember("train_loss")) last_step = d["step"].GetInt();
            if (type == "metrics" && ++metrics == 5 && !signalled) {
                child.signal(sig);
                signalled = true;
            }
            if (type == "event") kinds.push_back(d["kind"].GetString());
        }
    } catch (const std::exception&) {
    }
    ASSERT_TRUE(signalled);
    EXPECT_EQ(ws.close_code(), 1001) << "the hub closes with a close frame (going away)";
    EXPECT_EQ(child.wait(), 128 + sig) << child.output();
    const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    EXPECT_NE(child.output().find("interrupted by " + name + " after step " + std::to_string(last_step)),
              std::string::npos) << child.output();
    EXPECT_NE(child.output().find("--init-from resume (it resumes at step " + std::to_string(last_step + 1) + ")"),
              std::string::npos) << child.output();
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "interrupted"), kinds.end());

    auto run = parse(read_file(dir.path() + "/runs/" + session + "/run.json"));
    EXPECT_STREQ(run["status"].GetString(), "interrupted");
    EXPECT_TRUE(run.HasMember("end_time"));

    // The checkpoint holds the interrupted step: resuming continues right after it.
    test::ChildProcess resumed(train + " --viz-off --init-from resume --max-iters " + std::to_string(last_step + 3));
    EXPECT_TRUE(resumed.until(std::regex("resuming from .* at step " + std::to_string(last_step + 1))))
        << resumed.output();
    EXPECT_EQ(resumed.wait(), 0) << resumed.output();
}

TEST(LiveRun, CtrlCFinishesTheStepRecordsTheRunAsInterruptedAndResumes) { interrupt_run(SIGINT); }

// The steps and train losses of a session's metrics.jsonl, as recorded (the loss as its JSON text).
std::vector<std::pair<int, std::string>> recorded_losses(const std::string& path) {
    std::vector<std::pair<int, std::string>> out;
    std::istringstream in(read_file(path));
    std::string line;
    const std::regex loss(R"("step":(\d+).*"train_loss":([^,}]+))");
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, loss)) out.emplace_back(std::stoi(m[1]), m[2]);
    }
    return out;
}

// kill -9 in the middle of a run, then --init-from resume: training continues bit for bit (the
// weights and every loss equal an uninterrupted run's), and the run store continues the same
// session: one history with every step once, what was recorded after the checkpoint replaced,
// run.json saying where it resumed (viz/store/resume.h).
TEST(LiveRun, KillNineThenResumeContinuesBitForBitInTheSameSession) {
    test::TempDir dir("resume");
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + dir.path() + "/data > /dev/null").c_str()));
    const int steps = 60;
    auto train = [&](const std::string& name) {
        return bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml --data-dir " + dir.path() +
               "/data --out-dir " + dir.path() + "/" + name + " --viz-runs-dir " + dir.path() + "/runs-" + name +
               " --viz-port 0 --viz-interval 5 --eval-interval 20 --eval-iters 2 --sample-tokens 0 --log-interval 1"
               " --dropout 0.1 --always-save-checkpoint true --max-iters " + std::to_string(steps);
    };
    test::ChildProcess whole(train("whole"));
    ASSERT_EQ(whole.wait(), 0) << whole.output();

    test::ChildProcess killed(train("killed"));
    ASSERT_TRUE(killed.until(std::regex(R"(^step +(2[5-9]|3[0-9])/60)"))) << killed.output();
    killed.signal(SIGKILL);
    EXPECT_EQ(killed.wait(), 128 + SIGKILL);
    const std::vector<std::string> sessions = [&] {
        std::vector<std::string> ids;
        for (const auto& e : fs::directory_iterator(dir.path() + "/runs-killed")) ids.push_back(e.path().filename());
        return ids;
    }();
    ASSERT_EQ(sessions.size(), 1u);
    const std::string session = sessions[0];

    test::ChildProcess resumed(train("killed") + " --init-from resume");
    auto at = resumed.until(std::regex(R"(resuming from .* at step (\d+))"));
    ASSERT_TRUE(at) << resumed.output();
    const int k = std::stoi((*at)[1]);
    EXPECT_TRUE(resumed.until(std::regex("run " + session + ";"))) << "the banner names the same session\n"
                                                                   << resumed.output();
    ASSERT_EQ(resumed.wait(), 0) << resumed.output();

    EXPECT_EQ(read_file(dir.path() + "/whole/model.bin"), read_file(dir.path() + "/killed/model.bin"));
    EXPECT_EQ(read_file(dir.path() + "/whole/state.bin"), read_file(dir.path() + "/killed/state.bin"));
    // One session, every step once, the same losses to the last digit as the uninterrupted run.
    size_t count = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() + "/runs-killed")) ++count;
    EXPECT_EQ(count, 1u) << "a resumed run continues its session";
    std::string whole_session;
    for (const auto& e : fs::directory_iterator(dir.path() + "/runs-whole")) whole_session = e.path().filename();
    const auto expected = recorded_losses(dir.path() + "/runs-whole/" + whole_session + "/metrics.jsonl");
    const auto got = recorded_losses(dir.path() + "/runs-killed/" + session + "/metrics.jsonl");
    ASSERT_EQ(expected.size(), size_t(steps));
    EXPECT_EQ(got, expected);
    auto run = parse(read_file(dir.path() + "/runs-killed/" + session + "/run.json"));
    EXPECT_STREQ(run["status"].GetString(), "finished");
    ASSERT_TRUE(run.HasMember("resumed") && run["resumed"].IsArray() && run["resumed"].Size() == 1);
    EXPECT_EQ(run["resumed"][0]["step"].GetInt(), k);
    std::vector<int> frame_steps;
    for (const auto& e : fs::directory_iterator(dir.path() + "/runs-killed/" + session + "/frames"))
        frame_steps.push_back(std::stoi(e.path().filename().string()));
    std::sort(frame_steps.begin(), frame_steps.end());
    std::vector<int> every_fifth;
    for (int s = 5; s <= steps; s += 5) every_fifth.push_back(s);
    EXPECT_EQ(frame_steps, every_fifth);
    const std::string events = read_file(dir.path() + "/runs-killed/" + session + "/events.jsonl");
    EXPECT_NE(events.find("resumed from the checkpoint at step " + std::to_string(k)), std::string::npos) << events;
}

// A small tmpfs mounted for one test, unmounted at scope exit. Mounting needs root (CAP_SYS_ADMIN):
// where it is refused (a CI container) the test skips.
class SmallDisk {
public:
    SmallDisk(const std::string& dir, const std::string& size) : dir_(dir) {
        fs::create_directories(dir);
        mounted_ = std::system(("mount -t tmpfs -o size=" + size + " tmpfs " + dir + " 2>/dev/null").c_str()) == 0;
    }
    ~SmallDisk() {
        if (mounted_) std::system(("umount " + dir_).c_str());
    }
    bool mounted() const { return mounted_; }

private:
    std::string dir_;
    bool mounted_ = false;
};

// The disk under the run store fills up mid-run: training goes on to its last step and says the
// recording stopped; what was recorded stays readable by `serve` and `export` (a frame or line cut
// short is skipped with a message).
TEST(LiveRun, ADiskFullUnderTheRunStoreStopsTheRecordingNotTraining) {
    test::TempDir dir("diskfull");
    SmallDisk disk(dir.path() + "/runs", "600k");  // about six frames of this model, then full
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + dir.path() + "/data > /dev/null").c_str()));
    test::ChildProcess train(bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml --data-dir " +
                             dir.path() + "/data --out-dir " + dir.path() + "/out --viz-runs-dir " + dir.path() +
                             "/runs --viz-port 0 --viz-interval 1 --eval-interval 1000 --eval-iters 2 --sample-tokens 0"
                             " --log-interval 1 --max-iters 40");
    EXPECT_EQ(train.wait(), 0) << train.output();
    const std::string& out = train.output();
    EXPECT_NE(out.find("step    39/40"), std::string::npos) << out;
    EXPECT_NE(out.find("viz: store failed ("), std::string::npos) << out;
    EXPECT_NE(out.find("No space left on device"), std::string::npos) << out;
    EXPECT_NE(out.find("training continues, the run is no longer recorded"), std::string::npos) << out;

    std::string session;
    for (const auto& e : fs::directory_iterator(dir.path() + "/runs")) session = e.path().filename();
    ASSERT_FALSE(session.empty());
    const std::string run_dir = dir.path() + "/runs/" + session;
    test::ChildProcess exported(bin + " export " + run_dir + " --format npz --out " + dir.path() + "/run.npz");
    EXPECT_EQ(exported.wait(), 0) << exported.output();
    EXPECT_TRUE(fs::file_size(dir.path() + "/run.npz") > 0);

    test::ChildProcess serve(bin + " serve --runs " + dir.path() + "/runs --port 0");
    auto url = serve.until(std::regex(R"(http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))"));
    ASSERT_TRUE(url) << serve.output();
    const int port = std::stoi((*url)[1]);
    const hubtest::Headers auth = {{"Authorization", "Bearer " + (*url)[2].str()}};
    auto sessions = parse(hubtest::http_request(port, "/api/sessions", auth).body);
    ASSERT_EQ(sessions["sessions"].Size(), 1u);
    EXPECT_GT(sessions["sessions"][0]["steps"].GetInt(), 0) << "the metrics recorded before the disk filled";
    auto index = parse(hubtest::http_request(port, "/api/sessions/" + session + "/frames", auth).body);
    ASSERT_GT(index["frames"].Size(), 0u);
    for (const auto& f : index["frames"].GetArray()) {
        const auto frame = hubtest::http_request(port, "/api/sessions/" + session + "/frames/" +
                                                           std::to_string(f["step"].GetInt()), auth);
        ASSERT_EQ(frame.status, 200);
        EXPECT_NO_THROW(viz::decode_frame(frame.body));
    }
    serve.signal(SIGINT);
    EXPECT_EQ(serve.wait(), 0) << serve.output();
}

// `nanogpt serve` over the runs directory of a trainer that is still going: a client of serve
// gets that run's new metrics and frames as they are written, and Ctrl-C stops serve cleanly,
// its clients getting a close frame (1001).
TEST(LiveRun, ServeFollowsALiveRunAndStopsCleanlyOnCtrlC) {
    test::TempDir dir("serve");
    const std::string bin = NANOGPT_BINARY;
    ASSERT_EQ(0, std::system((bin + " prepare --tokenizer char --input " NANOGPT_SHARED_DATA
                              "/tinyshakespeare/input.txt --out " + dir.path() + "/data > /dev/null").c_str()));
    test::ChildProcess train(bin + " train --config " NANOGPT_SOURCE_DIR "/configs/shakespeare_char_cpu.toml --data-dir " +
                             dir.path() + "/data --out-dir " + dir.path() + "/out --viz-runs-dir " + dir.path() +
                             "/runs --viz-port 0 --viz-interval 2 --eval-interval 100000 --sample-tokens 0 --max-iters 100000");
    auto banner = train.until(std::regex(R"(dashboard: \S+ \(run (\S+);)"));
    ASSERT_TRUE(banner) << train.output();
    const std::string session = (*banner)[1];

    test::ChildProcess serve(bin + " serve --runs " + dir.path() + "/runs --port 0");
    auto url = serve.until(std::regex(R"(serving .* at http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))"));
    ASSERT_TRUE(url) << serve.output();
    hubtest::WsClient ws(std::stoi((*url)[1]), "/ws?token=" + (*url)[2].str());
    auto hello = parse(ws.read().data);
    EXPECT_STREQ(hello["type"].GetString(), "hello");
    EXPECT_FALSE(hello["live"].GetBool()) << "serve trains nothing itself";

    int metrics = 0, frames = 0;
    while (metrics < 5 || frames < 2) {
        hubtest::WsMessage msg = ws.read();
        if (!msg.text) {
            EXPECT_EQ(viz::decode_frame(msg.data).session, session);
            ++frames;
            continue;
        }
        auto d = parse(msg.data);
        if (std::string(d["type"].GetString()) == "metrics") {
            EXPECT_EQ(std::string(d["session"].GetString()), session);
            ++metrics;
        }
    }
    serve.signal(SIGINT);
    bool closed = false;
    try {
        for (;;) ws.read();
    } catch (const std::exception&) {
        closed = true;
    }
    EXPECT_TRUE(closed);
    EXPECT_EQ(ws.close_code(), 1001) << "serve closes its clients with a close frame (going away)";
    EXPECT_EQ(serve.wait(), 0) << serve.output();
    EXPECT_NE(serve.output().find("stopping"), std::string::npos) << serve.output();
}
TEST(LiveRun, SigtermStopsTheSameWay) { interrupt_run(SIGTERM); }

}  // namespace
