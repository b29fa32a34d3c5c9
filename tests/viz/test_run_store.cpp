// test_run_store.cpp: RunStore (runs/<session>/ on disk), RunStoreReader (the hub's history),
// pruning to the history budget, what a crash leaves behind, and `nanogpt export` (npz,
// safetensors and csv, checked independently by tests/viz/export_check.py with NumPy).
#include "viz/store/run_store.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <utility>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include "common/error.h"
#include "store_test_support.h"
#include "viz/export/arrays.h"
#include "viz/export/export.h"
#include "viz/export/formats.h"
#include "viz/frame.h"
#include "viz/store/follower.h"
#include "viz/store/prune.h"
#include "viz/store/reader.h"

#ifndef NANOGPT_SOURCE_DIR
#error "NANOGPT_SOURCE_DIR must name the repository root (tests/viz/CMakeLists.txt sets it)"
#endif
#ifndef NANOGPT_PYTHON
#define NANOGPT_PYTHON "/usr/bin/python3"
#endif

namespace nanogpt::viz::store {
namespace {

// Polls until `condition` holds or 20 s pass (a deadline against a hang, not a timing assertion).
bool hubtest_wait(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

namespace fs = std::filesystem;
using exporting::export_run;
using store_test::append_text;
using store_test::list_dir;
using store_test::read_text;
using store_test::sample_frame;
using test::TempDir;
using store_test::write_text;

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << json;
    return doc;
}

// Runs fn, which must throw nanogpt::Error; returns "what\nhint" for the caller to inspect.
template <class Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return std::string(e.what()) + "\n" + e.hint();
    }
    ADD_FAILURE() << "expected nanogpt::Error";
    return "";
}

std::vector<int> steps_on_disk(const std::string& frames_dir) {
    std::vector<int> steps;
    for (const std::string& name : list_dir(frames_dir)) steps.push_back(std::stoi(name));
    return steps;
}

// ---------------------------------------------------------------------------- write + read

TEST(RunStore, WritesASessionTheReaderReadsBack) {
    TempDir tmp;
    const std::string runs = tmp / "runs";  // does not exist yet: the store creates it
    RunStore store(runs, "s1", R"({"config":{"n_layer":2},"start_time":"2025-01-01T00:00:00Z"})", 1 << 20);
    EXPECT_EQ(store.dir(), runs + "/s1");
    store.append_metrics(R"({"type":"metrics","step":1,"train_loss":4.5})");
    store.append_metrics(R"({"type":"metrics","step":2,"train_loss":4.25})");
    store.append_event(R"({"type":"event","kind":"checkpoint","step":2})");
    std::map<int, std::string> frames;
    uint64_t total = 0;
    for (int step : {0, 5, 1234}) {
        frames[step] = encode_frame(sample_frame("s1", step));
        store.write_frame(step, frames[step]);
        total += frames[step].size();
    }
    store.annotate(5);
    EXPECT_EQ(store.frame_bytes(), total);
    EXPECT_TRUE(fs::exists(runs + "/s1/frames/000001234.bin")) << "frame names are zero-padded to sort";

    RunStoreReader reader(runs, "s1");
    rapidjson::Document sessions = parse(reader.sessions_json());
    ASSERT_EQ(sessions["sessions"].Size(), 1u);
    const auto& s = sessions["sessions"][0];
    EXPECT_STREQ(s["session"].GetString(), "s1");
    EXPECT_TRUE(s["live"].GetBool());
    EXPECT_STREQ(s["start_time"].GetString(), "2025-01-01T00:00:00Z");
    EXPECT_EQ(s["steps"].GetInt(), 2);
    EXPECT_EQ(s["frames"].GetInt(), 3);
    EXPECT_EQ(s["last_step"].GetInt(), 1234);
    EXPECT_FALSE(s.HasMember("end_time"));
    EXPECT_FALSE(s.HasMember("status"));

    std::optional<std::string> run = reader.run_json("s1");
    ASSERT_TRUE(run);
    EXPECT_EQ(parse(*run)["config"]["n_layer"].GetInt(), 2);

    std::optional<std::string> metrics = reader.metrics_json("s1");
    ASSERT_TRUE(metrics);
    rapidjson::Document m = parse(*metrics);
    EXPECT_STREQ(m["session"].GetString(), "s1");
    ASSERT_EQ(m["metrics"].Size(), 2u);
    EXPECT_EQ(m["metrics"][1]["train_loss"].GetDouble(), 4.25);

    std::optional<std::string> events = reader.events_json("s1");
    ASSERT_TRUE(events);
    rapidjson::Document e = parse(*events);
    ASSERT_EQ(e["events"].Size(), 1u);
    EXPECT_STREQ(e["events"][0]["kind"].GetString(), "checkpoint");

    std::optional<std::string> index = reader.frame_index_json("s1");
    ASSERT_TRUE(index);
    rapidjson::Document idx = parse(*index);
    EXPECT_STREQ(idx["session"].GetString(), "s1");
    ASSERT_EQ(idx["frames"].Size(), 3u);
    int i = 0;
    for (const auto& [step, bytes] : frames) {
        const auto& f = idx["frames"][i++];
        EXPECT_EQ(f["step"].GetInt(), step);
        EXPECT_EQ(f["bytes"].GetUint64(), bytes.size());
        EXPECT_EQ(f["annotated"].GetBool(), step == 5);
    }

    std::optional<std::string> frame = reader.frame("s1", 1234);
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame, frames[1234]);
    EXPECT_EQ(decode_frame(*frame).step, 1234);
    EXPECT_FALSE(reader.frame("s1", 3)) << "only exact steps";
    EXPECT_FALSE(reader.frame("s1", -1));
    EXPECT_FALSE(reader.run_json("nope"));
    EXPECT_FALSE(reader.metrics_json("nope"));
    EXPECT_FALSE(reader.events_json("nope"));
    EXPECT_FALSE(reader.frame_index_json("nope"));
    EXPECT_FALSE(reader.frame("nope", 0));
}

TEST(RunStore, ReaderListsEverySessionByStartTimeAndMarksTheLiveOne) {
    TempDir tmp;
    const std::string runs = tmp / "runs";
    // Named against their start order, so sorting by name would fail.
    RunStore alpha(runs, "alpha", R"({"start_time":"2025-02-01T00:00:00Z"})", 1 << 20);
    RunStore zeta(runs, "zeta", R"({"start_time":"2025-01-01T00:00:00Z"})", 1 << 20);
    zeta.append_metrics(R"({"step":0})");
    zeta.finish("finished");
    fs::create_directory(runs + "/no_run_json");  // not a session
    write_text(runs + "/notes.txt", "not a session either");

    RunStoreReader reader(runs, "alpha");
    rapidjson::Document doc = parse(reader.sessions_json());
    const auto& list = doc["sessions"];
    ASSERT_EQ(list.Size(), 2u);
    EXPECT_STREQ(list[0]["session"].GetString(), "zeta");
    EXPECT_FALSE(list[0]["live"].GetBool());
    EXPECT_STREQ(list[0]["status"].GetString(), "finished");
    EXPECT_TRUE(list[0].HasMember("end_time"));
    EXPECT_EQ(list[0]["steps"].GetInt(), 1);
    EXPECT_EQ(list[0]["last_step"].GetInt(), 0);
    EXPECT_STREQ(list[1]["session"].GetString(), "alpha");
    EXPECT_TRUE(list[1]["live"].GetBool());
    EXPECT_EQ(list[1]["steps"].GetInt(), 0);
    EXPECT_EQ(list[1]["frames"].GetInt(), 0);
    EXPECT_TRUE(list[1]["last_step"].IsNull()) << "nothing recorded yet";

    EXPECT_EQ(parse(RunStoreReader(tmp / "missing", "").sessions_json())["sessions"].Size(), 0u);
}

TEST(RunStore, FinishAddsEndTimeAndStatusToRunJson) {
    TempDir tmp;
    RunStore store(tmp.path(), "s", R"({"model":{"n_embd":64}})", 1 << 20);
    rapidjson::Document before = parse(read_text(tmp / "s/run.json"));
    ASSERT_TRUE(before.HasMember("start_time")) << "added when the caller leaves it out";
    EXPECT_FALSE(before.HasMember("end_time"));
    store.finish("stopped");
    rapidjson::Document after = parse(read_text(tmp / "s/run.json"));
    EXPECT_EQ(after["model"]["n_embd"].GetInt(), 64);
    EXPECT_STREQ(after["start_time"].GetString(), before["start_time"].GetString());
    EXPECT_STREQ(after["status"].GetString(), "stopped");
    const std::regex iso_utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    EXPECT_TRUE(std::regex_match(std::string(after["end_time"].GetString()), iso_utc)) << after["end_time"].GetString();
    EXPECT_TRUE(std::regex_match(std::string(after["start_time"].GetString()), iso_utc));
}

TEST(RunStore, ReaderRejectsSessionIdsThatLeaveTheRunsDir) {
    TempDir tmp;
    const std::string runs = tmp / "runs";
    RunStore ok(runs, "ok", "{}", 1 << 20);
    ok.write_frame(0, encode_frame(sample_frame("ok", 0)));
    // A run.json one level up: "..", if accepted, would find it.
    write_text(tmp / "run.json", "{}");
    fs::create_directory(tmp / "frames");
    write_text(tmp / "frames/000000000.bin", encode_frame(sample_frame("outside", 0)));
    RunStoreReader reader(runs, "");
    for (const std::string bad : {"..", ".", "", "../runs/ok", "ok/..", "a/b", "ok\n", "o k"}) {
        EXPECT_FALSE(reader.run_json(bad)) << bad;
        EXPECT_FALSE(reader.metrics_json(bad)) << bad;
        EXPECT_FALSE(reader.events_json(bad)) << bad;
        EXPECT_FALSE(reader.frame_index_json(bad)) << bad;
        EXPECT_FALSE(reader.frame(bad, 0)) << bad;
    }
    EXPECT_TRUE(reader.frame("ok", 0));
    EXPECT_TRUE(reader.run_json("a-b_c.1") == std::nullopt) << "valid but absent";
}

// ----------------------------------------------------------------------- crash leftovers

// What kill -9 can leave: a half-written last line in each JSONL file and temp files of a
// frame that was being written.
void simulate_crash_leftovers(const std::string& dir) {
    append_text(dir + "/metrics.jsonl", R"({"type":"metrics","step":3,"train_lo)");
    append_text(dir + "/events.jsonl", R"({"type":"ev)");
    write_text(dir + "/frames/000000009.bin.tmp", "half a frame");
    write_text(dir + "/frames/x.tmp", "stray");
}

TEST(RunStoreCrash, ReaderSkipsTornLinesAndTempFiles) {
    TempDir tmp;
    {
        RunStore store(tmp.path(), "s", "{}", 1 << 20);
        store.append_metrics(R"({"step":1})");
        store.append_metrics(R"({"step":2})");
        store.append_event(R"({"type":"event","kind":"start"})");
        store.write_frame(1, encode_frame(sample_frame("s", 1)));
        store.write_frame(2, encode_frame(sample_frame("s", 2)));
    }
    simulate_crash_leftovers(tmp / "s");

    RunStoreReader reader(tmp.path(), "");
    rapidjson::Document sessions = parse(reader.sessions_json());
    ASSERT_EQ(sessions["sessions"].Size(), 1u);
    EXPECT_EQ(sessions["sessions"][0]["steps"].GetInt(), 2);
    EXPECT_EQ(sessions["sessions"][0]["frames"].GetInt(), 2);
    EXPECT_EQ(sessions["sessions"][0]["last_step"].GetInt(), 2);
    EXPECT_EQ(parse(*reader.metrics_json("s"))["metrics"].Size(), 2u);
    EXPECT_EQ(parse(*reader.events_json("s"))["events"].Size(), 1u);
    rapidjson::Document index = parse(*reader.frame_index_json("s"));
    ASSERT_EQ(index["frames"].Size(), 2u);
    EXPECT_EQ(index["frames"][1]["step"].GetInt(), 2);
    EXPECT_FALSE(reader.frame("s", 9));
    EXPECT_EQ(*reader.frame("s", 2), encode_frame(sample_frame("s", 2)));
}

TEST(RunStoreCrash, ReopenedSessionEndsTheTornLineAndContinues) {
    TempDir tmp;
    {
        RunStore store(tmp.path(), "s", "{}", 1 << 20);
        store.append_metrics(R"({"step":1})");
        store.write_frame(1, "frame one");
    }
    simulate_crash_leftovers(tmp / "s");
    RunStore resumed(tmp.path(), "s", "{}", 1 << 20);
    EXPECT_EQ(resumed.frame_bytes(), std::string("frame one").size()) << "counts the frames already there";
    EXPECT_EQ(list_dir(tmp / "s/frames"), std::vector<std::string>{"000000001.bin"}) << "temp files removed";
    resumed.append_metrics(R"({"step":2})");

    rapidjson::Document m = parse(*RunStoreReader(tmp.path(), "s").metrics_json("s"));
    ASSERT_EQ(m["metrics"].Size(), 2u) << "the torn line is lost, the new one is whole";
    EXPECT_EQ(m["metrics"][0]["step"].GetInt(), 1);
    EXPECT_EQ(m["metrics"][1]["step"].GetInt(), 2);
}

// A frame cut short (a full disk, a copy that stopped): left out of the listing, the index and
// the frame route, and said once on stderr; so is a torn JSONL line.
TEST(RunStoreCrash, ReaderSkipsATruncatedFrameAndSaysSoOnce) {
    TempDir tmp;
    {
        RunStore store(tmp.path(), "s", "{}", 1 << 20);
        for (int step : {1, 2, 3}) store.write_frame(step, encode_frame(sample_frame("s", step)));
        store.append_metrics(R"({"step":1})");
    }
    const std::string cut = tmp / "s/frames/000000002.bin";
    fs::resize_file(cut, fs::file_size(cut) - 7);
    append_text(tmp / "s/metrics.jsonl", R"({"step":2,"tra)");

    RunStoreReader reader(tmp.path(), "");
    testing::internal::CaptureStderr();
    rapidjson::Document sessions = parse(reader.sessions_json());
    rapidjson::Document index = parse(*reader.frame_index_json("s"));
    EXPECT_FALSE(reader.frame("s", 2));
    parse(reader.sessions_json());  // asked again: nothing more is printed
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_EQ(sessions["sessions"][0]["frames"].GetInt(), 2);
    EXPECT_EQ(sessions["sessions"][0]["steps"].GetInt(), 1);
    ASSERT_EQ(index["frames"].Size(), 2u);
    EXPECT_EQ(index["frames"][0]["step"].GetInt(), 1);
    EXPECT_EQ(index["frames"][1]["step"].GetInt(), 3);
    EXPECT_TRUE(reader.frame("s", 3));
    EXPECT_NE(said.find("skipping frame " + cut + ": frame tensor"), std::string::npos) << said;
    EXPECT_NE(said.find("skipping 1 line of " + (tmp / "s/metrics.jsonl")), std::string::npos) << said;
    EXPECT_EQ(said.find("skipping frame"), said.rfind("skipping frame")) << "said more than once: " << said;
}

// ----------------------------------------------------------------------------- liveness

std::string state_of(const std::string& runs, const std::string& session) {
    rapidjson::Document doc = parse(RunStoreReader(runs, "").sessions_json());
    for (const auto& s : doc["sessions"].GetArray())
        if (s["session"].GetString() == session) return std::string(s["state"].GetString()) + (s["live"].GetBool() ? "+live" : "");
    return "absent";
}

void set_mtime_seconds_ago(const std::string& path, int seconds) {
    const auto t = fs::file_time_type::clock::now() - std::chrono::seconds(seconds);
    fs::last_write_time(path, t);
}

// A pid that ran and is gone (waited for, so no zombie holds it).
int gone_pid() {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid;
}

TEST(RunStoreLiveness, StateIsTheFinalStatusOrLiveOrStale) {
    TempDir tmp;
    const std::string runs = tmp / "runs";
    RunStore running(runs, "running", "{}", 1 << 20);
    EXPECT_EQ(state_of(runs, "running"), "live+live") << "its writer (this process) beats";
    {
        RunStore ended(runs, "ended", "{}", 1 << 20);
        ended.finish("interrupted");
    }
    EXPECT_EQ(state_of(runs, "ended"), "interrupted");

    // A writer killed -9 on this machine: its pid is gone, at once stale.
    fs::create_directories(runs + "/killed");
    write_text(runs + "/killed/run.json", "{}");
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    write_text(runs + "/killed/writer.json", R"({"pid":)" + std::to_string(gone_pid()) + R"(,"host":")" + host + R"("})");
    EXPECT_EQ(state_of(runs, "killed"), "stale");
    // On another machine the pid says nothing: the heartbeat decides.
    fs::create_directories(runs + "/remote");
    write_text(runs + "/remote/run.json", "{}");
    write_text(runs + "/remote/writer.json", R"({"pid":1,"host":"elsewhere.example"})");
    EXPECT_EQ(state_of(runs, "remote"), "live+live");
    set_mtime_seconds_ago(runs + "/remote/writer.json", 60);
    EXPECT_EQ(state_of(runs, "remote"), "stale");
    // A run recorded before writer.json existed, never finished.
    fs::create_directories(runs + "/old");
    write_text(runs + "/old/run.json", "{}");
    EXPECT_EQ(state_of(runs, "old"), "stale");
    // The live writer's heartbeat brings a stale-looking file back.
    set_mtime_seconds_ago(runs + "/running/writer.json", 3600);
    EXPECT_EQ(state_of(runs, "running"), "stale");
    EXPECT_TRUE(hubtest_wait([&] { return state_of(runs, "running") == "live+live"; }));
}

// ------------------------------------------------------------------------------ following

std::string metrics_line(const std::string& session, int step) {
    return R"({"type":"metrics","session":")" + session + R"(","step":)" + std::to_string(step) + "}";
}

// What a follower handed on, in order: "text <step>", "frame <step>", "sessions".
struct Followed {
    std::vector<std::string> got;
    RunFollower make(const std::string& runs) {
        FollowerCallbacks cb;
        cb.text = [this](std::string json) { got.push_back("text " + std::to_string(parse(json)["step"].GetInt())); };
        cb.frame = [this](std::string notice, std::string frame) {
            rapidjson::Document n = parse(notice);
            EXPECT_STREQ(n["type"].GetString(), "frame");
            EXPECT_EQ(n["bytes"].GetUint64(), frame.size());
            EXPECT_EQ(decode_frame(frame).step, n["step"].GetInt());
            got.push_back("frame " + std::to_string(n["step"].GetInt()));
        };
        cb.sessions_changed = [this] { got.push_back("sessions"); };
        return RunFollower(runs, std::make_shared<RunStoreReader>(runs, ""), cb);
    }
    std::vector<std::string> take() { return std::exchange(got, {}); }
};

TEST(RunFollower, HandsOnWhatIsWrittenAfterItStartsEachLineOnceWhole) {
    TempDir tmp;
    const std::string runs = tmp / "runs";
    RunStore a(runs, "a", "{}", 1 << 20);
    a.append_metrics(metrics_line("a", 0));
    a.write_frame(0, encode_frame(sample_frame("a", 0)));
    Followed out;
    RunFollower follower = out.make(runs);
    follower.look();
    EXPECT_EQ(out.take(), std::vector<std::string>{}) << "what was there at the start is REST's";

    a.append_metrics(metrics_line("a", 1));
    append_text(runs + "/a/metrics.jsonl", R"({"type":"metrics","session":"a","step":2)");  // half appended
    follower.look();
    EXPECT_EQ(out.take(), std::vector<std::string>{"text 1"});
    append_text(runs + "/a/metrics.jsonl", "}\n" + metrics_line("elsewhere", 3) + "\n");  // whole now; a stray line
    a.append_event(R"({"type":"event","session":"a","step":2,"kind":"eval","text":"x"})");
    follower.look();
    EXPECT_EQ(out.take(), (std::vector<std::string>{"text 2", "text 2"})) << "the stray session's line is not sent";

    // Five frames between two looks: the newest two go, oldest first; the index has all five.
    for (int step = 1; step <= 5; ++step) a.write_frame(step, encode_frame(sample_frame("a", step)));
    follower.look();
    EXPECT_EQ(out.take(), (std::vector<std::string>{"frame 4", "frame 5"}));
    follower.look();
    EXPECT_EQ(out.take(), std::vector<std::string>{}) << "nothing new, nothing sent";

    // A session that appears is announced and followed from its first line.
    RunStore b(runs, "b", "{}", 1 << 20);
    b.append_metrics(metrics_line("b", 0));
    follower.look();
    EXPECT_EQ(out.take(), (std::vector<std::string>{"text 0", "sessions"}));
    // A run that ends changes state.
    b.finish("finished");
    follower.look();
    EXPECT_EQ(out.take(), std::vector<std::string>{"sessions"});
    // A frame file cut short is not sent (the reader says why).
    const std::string cut = encode_frame(sample_frame("a", 6));
    write_text(runs + "/a/frames/000000006.bin", cut.substr(0, cut.size() / 2));
    testing::internal::CaptureStderr();
    follower.look();
    EXPECT_NE(testing::internal::GetCapturedStderr().find("skipping frame"), std::string::npos);
    EXPECT_EQ(out.take(), std::vector<std::string>{});
}

// ------------------------------------------------------------------------------- pruning

TEST(RunStorePrune, ThinsEveryOtherFrameOldestFirstAndResumesWhereItStopped) {
    std::map<int, uint64_t> frames;
    for (int s = 0; s < 40; ++s) frames[s] = 1;
    int cursor = store::kPassStart;
    // Kept: 0 and the 16 most recent (24..39). Two over budget: drop 1, keep 2, drop 3.
    EXPECT_EQ(store::frames_to_prune(frames, {}, 38, cursor), (std::vector<int>{1, 3}));
    frames.erase(1);
    frames.erase(3);
    frames[40] = 1;  // one more over: resumes after 3, keeps 4, drops 5
    EXPECT_EQ(store::frames_to_prune(frames, {}, 38, cursor), (std::vector<int>{5}));
    frames.erase(5);
    frames[41] = 1;  // 7 is annotated: keeps 6, skips 7, drops 8
    EXPECT_EQ(store::frames_to_prune(frames, {7}, 38, cursor), (std::vector<int>{8}));
}

TEST(RunStorePrune, StopsWhenOnlyKeptFramesRemain) {
    std::map<int, uint64_t> frames;
    for (int s = 0; s < 20; ++s) frames[s] = 1;
    int cursor = store::kPassStart;
    // Thinnable 1, 2, 3: the first pass drops 1 and 3, the second drops 2; then only the first
    // and the 16 most recent are left, over budget but kept.
    EXPECT_EQ(store::frames_to_prune(frames, {}, 0, cursor), (std::vector<int>{1, 3, 2}));
}

TEST(RunStorePrune, KeepsTheBudgetAndThinsOldHistoryMost) {
    TempDir tmp;
    constexpr int kFrames = 400;
    constexpr uint64_t kFrameBytes = 1000, kBudget = 60 * kFrameBytes;
    RunStore store(tmp.path(), "s", "{}", kBudget);
    store.annotate(7);
    store.annotate(150);
    for (int step = 0; step < kFrames; ++step) {
        store.write_frame(step, std::string(kFrameBytes, 'x'));
        ASSERT_LE(store.frame_bytes(), kBudget) << "after step " << step;
    }
    const std::vector<int> kept = steps_on_disk(tmp / "s/frames");
    EXPECT_EQ(kept.size() * kFrameBytes, store.frame_bytes()) << "the tracked size matches the disk";
    auto has = [&](int step) { return std::binary_search(kept.begin(), kept.end(), step); };
    EXPECT_TRUE(has(0)) << "first";
    EXPECT_TRUE(has(7) && has(150)) << "annotated";
    for (int step = kFrames - 16; step < kFrames; ++step) EXPECT_TRUE(has(step)) << "recent " << step;

    // Density falls with age: fewer frames kept in the oldest quarter than in the newest
    // quarter before the 16 most recent, and going back in time the spacing between kept
    // frames (leaving out the first and the annotated) never shrinks.
    auto count_in = [&](int lo, int hi) {
        return std::count_if(kept.begin(), kept.end(), [&](int s) { return s >= lo && s < hi; });
    };
    const int recent_start = kFrames - 16;
    const int quarter = recent_start / 4;
    EXPECT_LT(count_in(1, quarter), count_in(recent_start - quarter, recent_start));
    std::vector<int> thinned;
    for (int s : kept)
        if (s != 0 && s != 7 && s != 150) thinned.push_back(s);
    for (size_t i = 2; i < thinned.size(); ++i)
        EXPECT_GE(thinned[i - 1] - thinned[i - 2], thinned[i] - thinned[i - 1]) << "around step " << thinned[i - 1];
    std::cout << "kept " << kept.size() << " of " << kFrames << " frames:";
    for (int s : kept) std::cout << ' ' << s;
    std::cout << '\n';
}

// ---------------------------------------------------------------------------- errors

TEST(RunStoreErrors, UnwritableRunsDirThrowsWithThePathAndAHint) {
    TempDir tmp;
    write_text(tmp / "file", "a regular file");
    // Under a regular file nothing can be created, even as root (chmod would not stop root).
    const std::string runs = tmp / "file/runs";
    std::string error = error_of([&] { RunStore(runs, "s", "{}", 1 << 20); });
    EXPECT_NE(error.find(runs), std::string::npos) << error;
    EXPECT_NE(error.find("writable"), std::string::npos) << "hint: " << error;

    EXPECT_NE(error_of([&] { RunStore(tmp / "runs", "../escape", "{}", 1 << 20); }).find("session"), std::string::npos);
    EXPECT_NE(error_of([&] { RunStore(tmp / "runs", "s", "not json", 1 << 20); }).find("run.json"), std::string::npos);
}

TEST(RunStoreErrors, AFailingWriteLaterThrows) {
    TempDir tmp;
    RunStore store(tmp.path(), "s", "{}", 1 << 20);
    store.write_frame(0, "fine");
    fs::remove_all(tmp / "s/frames");
    write_text(tmp / "s/frames", "the frames directory is gone");
    EXPECT_THROW(store.write_frame(1, "frame"), Error);
    EXPECT_THROW(store.write_frame(-1, "frame"), Error);
}

// ------------------------------------------------------------------------- concurrency

TEST(RunStore, ReaderSeesConsistentFilesWhileTheStoreWrites) {
    TempDir tmp;
    RunStore store(tmp.path(), "live", "{}", 20 * encode_frame(sample_frame("live", 0)).size());  // pruning all along
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int step = 0; step < 150; ++step) {
            store.append_metrics(R"({"type":"metrics","step":)" + std::to_string(step) + "}");
            store.write_frame(step, encode_frame(sample_frame("live", step)));
        }
        done = true;
    });
    RunStoreReader reader(tmp.path(), "live");
    int polls = 0;
    while (!done || polls == 0) {
        ++polls;
        rapidjson::Document sessions = parse(reader.sessions_json());
        ASSERT_EQ(sessions["sessions"].Size(), 1u);
        parse(*reader.metrics_json("live"));
        rapidjson::Document index = parse(*reader.frame_index_json("live"));
        for (const auto& f : index["frames"].GetArray()) {
            // Pruned since the index was read is fine; a torn frame is not.
            if (std::optional<std::string> bytes = reader.frame("live", f["step"].GetInt())) {
                EXPECT_EQ(*bytes, encode_frame(sample_frame("live", f["step"].GetInt())));
            }
        }
    }
    writer.join();
    EXPECT_EQ(parse(*reader.metrics_json("live"))["metrics"].Size(), 150u);
}

// ------------------------------------------------------------------------------- export

// A run "exp" with frames at steps 0, 10, 20 (step 10 without the quantised grad tensor) and
// three metrics lines plus a torn one.
class RunExport : public ::testing::Test {
protected:
    void SetUp() override {
        run_dir = tmp / "runs/exp";
        RunStore store(tmp / "runs", "exp", R"({"start_time":"2025-01-01T00:00:00Z"})", 1 << 20);
        for (int step : {0, 10, 20}) {
            std::string bytes = encode_frame(sample_frame("exp", step, /*with_grad=*/step != 10));
            store.write_frame(step, bytes);
            decoded.push_back(decode_frame(bytes));  // quantised values as the file holds them
        }
        store.append_metrics(R"({"type":"metrics","session":"exp","step":0,"train_loss":4.5,"lr":0.001})");
        store.append_metrics(R"({"type":"metrics","step":10,"train_loss":4.0,"val_loss":4.2,"lr":0.001,"ms":12.5})");
        store.append_metrics(R"({"type":"metrics","step":20,"train_loss":3.5,"lr":0.0005,"note":"a,b \"q\""})");
        append_text(run_dir + "/metrics.jsonl", R"({"type":"metrics","step":30,"train_lo)");
    }

    TempDir tmp;
    std::string run_dir;
    std::vector<Frame> decoded;
};

constexpr const char* kExpectedCsv =
    "step,train_loss,val_loss,lr,ms,note\n"
    "0,4.5,,0.001,,\n"
    "10,4,4.2,0.001,12.5,\n"
    "20,3.5,,0.0005,,\"a,b \"\"q\"\"\"\n";

TEST_F(RunExport, CsvHasTheKnownColumnsFirstAndEmptyCellsWhereAbsent) {
    export_run(run_dir, "csv", tmp / "m.csv");
    EXPECT_EQ(read_text(tmp / "m.csv"), kExpectedCsv);
}

// Writes the expected arrays and CSV rows for export_check.py.
std::string expected_json(const std::vector<Frame>& frames) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    auto array = [&](const char* name, const char* dtype, std::vector<int> shape, const std::vector<double>& values) {
        w.StartObject();
        w.Key("name");
        w.String(name);
        w.Key("dtype");
        w.String(dtype);
        w.Key("shape");
        w.StartArray();
        for (int d : shape) w.Int(d);
        w.EndArray();
        w.Key("values");
        w.StartArray();
        for (double v : values) std::isnan(v) ? w.Null() : w.Double(v);
        w.EndArray();
        w.EndObject();
    };
    // One stacked tensor: frame f's (name, field, layer) data, NaN where the frame lacks it.
    auto stacked = [&](const char* key, const std::string& name, const std::string& field, int layer) {
        auto find = [&](const Frame& f) -> const FrameTensor* {
            for (const FrameTensor& t : f.tensors)
                if (t.name == name && t.field == field && t.layer == layer) return &t;
            return nullptr;
        };
        const FrameTensor* first = find(frames.front());
        std::vector<int> shape = first->shape;
        shape.insert(shape.begin(), int(frames.size()));
        std::vector<double> values;
        for (const Frame& f : frames) {
            const FrameTensor* t = find(f);
            for (size_t i = 0; i < first->data.size(); ++i) values.push_back(t ? double(t->data[i]) : NAN);
        }
        array(key, "float32", shape, values);
    };
    w.StartObject();
    w.Key("session");
    w.String("exp");
    w.Key("arrays");
    w.StartArray();
    array("steps", "int32", {3}, {0, 10, 20});
    stacked("wte.xyz", "wte", "xyz", -1);
    stacked("qkvw.value.L0", "qkvw", "value", 0);
    stacked("qkvw.value.L1", "qkvw", "value", 1);
    stacked("qkvw.grad.L0", "qkvw", "grad", 0);
    array("metrics.step", "int32", {3}, {0, 10, 20});
    array("metrics.train_loss", "float32", {3}, {4.5, 4.0, 3.5});
    array("metrics.val_loss", "float32", {3}, {NAN, 4.2, NAN});
    array("metrics.lr", "float32", {3}, {0.001, 0.001, 0.0005});
    array("metrics.ms", "float32", {3}, {NAN, 12.5, NAN});
    w.EndArray();
    w.Key("csv");
    w.StartArray();
    for (const std::vector<std::string>& row : std::vector<std::vector<std::string>>{
             {"step", "train_loss", "val_loss", "lr", "ms", "note"},
             {"0", "4.5", "", "0.001", "", ""},
             {"10", "4", "4.2", "0.001", "12.5", ""},
             {"20", "3.5", "", "0.0005", "", "a,b \"q\""}}) {
        w.StartArray();
        for (const std::string& cell : row) w.String(cell.c_str());
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    return sb.GetString();
}

TEST_F(RunExport, NpzSafetensorsAndCsvMatchWhatNumpyReads) {
    const std::string out = tmp / "out";
    fs::create_directory(out);
    export_run(run_dir, "npz", out + "/run.npz");
    export_run(run_dir + "/", "safetensors", out + "/run.safetensors");  // trailing slash: same session
    export_run(run_dir, "csv", out + "/run.csv");
    EXPECT_EQ(list_dir(out), (std::vector<std::string>{"run.csv", "run.npz", "run.safetensors"}))
        << "no temp files left";
    write_text(tmp / "expected.json", expected_json(decoded));

    ASSERT_TRUE(fs::exists(NANOGPT_PYTHON)) << NANOGPT_PYTHON << " is missing: the export check needs Python 3 "
                                            << "with NumPy (apt-get install python3 python3-numpy)";
    const std::string log = tmp / "check.log";
    const std::string command = std::string(NANOGPT_PYTHON) + " '" NANOGPT_SOURCE_DIR "/tests/viz/export_check.py' '" +
                                tmp / "expected.json" + "' '" + out + "/run.npz' '" + out + "/run.safetensors' '" +
                                out + "/run.csv' > '" + log + "' 2>&1";
    int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << "export_check.py failed:\n" << read_text(log);
}

TEST_F(RunExport, SkipsATruncatedFrameAndATornLineAndSaysSo) {
    const std::string cut = run_dir + "/frames/000000020.bin";
    fs::resize_file(cut, fs::file_size(cut) / 2);
    testing::internal::CaptureStderr();
    const std::vector<exporting::ExportArray> arrays = exporting::collect_arrays(run_dir);
    export_run(run_dir, "csv", tmp / "m.csv");
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_NE(said.find("warning: skipping frame " + cut), std::string::npos) << said;
    EXPECT_NE(said.find("warning: skipping 1 line of " + run_dir + "/metrics.jsonl"), std::string::npos) << said;
    auto steps = std::find_if(arrays.begin(), arrays.end(), [](const auto& a) { return a.name == "steps"; });
    ASSERT_NE(steps, arrays.end());
    EXPECT_EQ(steps->i32, (std::vector<int32_t>{0, 10}));
    EXPECT_EQ(read_text(tmp / "m.csv"), kExpectedCsv) << "the whole lines export";
}

TEST_F(RunExport, ReplacesAnExistingOutputFile) {
    write_text(tmp / "m.csv", std::string(10000, 'z'));
    export_run(run_dir, "csv", tmp / "m.csv");
    EXPECT_EQ(read_text(tmp / "m.csv"), kExpectedCsv);
}

TEST_F(RunExport, ErrorsNameTheProblem) {
    EXPECT_NE(error_of([&] { export_run(tmp / "nope", "npz", tmp / "x.npz"); }).find(tmp / "nope"), std::string::npos);
    fs::create_directory(tmp / "empty");
    EXPECT_NE(error_of([&] { export_run(tmp / "empty", "csv", tmp / "x.csv"); }).find("run.json"), std::string::npos);
    EXPECT_NE(error_of([&] { export_run(run_dir, "hdf5", tmp / "x.h5"); }).find("hdf5"), std::string::npos);

    RunStore no_frames(tmp / "runs", "noframes", "{}", 1 << 20);
    no_frames.append_metrics(R"({"step":0,"train_loss":5})");
    for (const char* format : {"npz", "safetensors"}) {
        std::string error = error_of([&] { export_run(no_frames.dir(), format, tmp / "x.out"); });
        EXPECT_NE(error.find("no frames"), std::string::npos) << error;
        EXPECT_NE(error.find("--viz-off"), std::string::npos) << error;
    }
    export_run(no_frames.dir(), "csv", tmp / "noframes.csv");  // metrics alone are enough for csv
    EXPECT_EQ(read_text(tmp / "noframes.csv"), "step,train_loss\n0,5\n");

    write_text(tmp / "file", "a regular file");
    for (const char* format : {"npz", "safetensors", "csv"}) {
        const std::string out = tmp / "file/out";
        std::string error = error_of([&] { export_run(run_dir, format, out); });
        EXPECT_NE(error.find(out), std::string::npos) << format << ": " << error;
    }
    EXPECT_FALSE(fs::exists(tmp / "x.npz"));
    EXPECT_FALSE(fs::exists(tmp / "x.out"));
    EXPECT_FALSE(fs::exists(tmp / "x.out.tmp"));
}

TEST_F(RunExport, ATensorThatChangesShapeIsAnError) {
    Frame wider = sample_frame("exp", 30);
    wider.tensors[0].shape = {5, 3};
    wider.tensors[0].data.resize(15, 0.0f);
    RunStore store(tmp / "runs", "exp", R"({"start_time":"2025-01-01T00:00:00Z"})", 1 << 20);
    store.write_frame(30, encode_frame(wider));
    std::string error = error_of([&] { export_run(run_dir, "npz", tmp / "x.npz"); });
    EXPECT_NE(error.find("wte.xyz"), std::string::npos) << error;
    EXPECT_NE(error.find("[5,3]"), std::string::npos) << error;
}

TEST(RunExportNpy, HeaderIsVersion1AndPadsTheDataTo64Bytes) {
    exporting::ExportArray a;
    a.name = "x";
    a.shape = {3, 4};
    std::string header = exporting::npy_header(a);
    EXPECT_EQ(header.size() % 64, 0u);
    EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    EXPECT_EQ(header.back(), '\n');
    EXPECT_NE(header.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"), std::string::npos) << header;
    a.dtype = exporting::DType::I32;
    a.shape = {5};
    header = exporting::npy_header(a);
    EXPECT_NE(header.find("'descr': '<i4'"), std::string::npos) << header;
    EXPECT_NE(header.find("'shape': (5,)"), std::string::npos) << header;
    const uint16_t dict_bytes = uint8_t(header[8]) | uint16_t(uint8_t(header[9]) << 8);
    EXPECT_EQ(10u + dict_bytes, header.size());
}

}  // namespace
}  // namespace nanogpt::viz::store
