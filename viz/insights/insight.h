// insight.h: what the insights engine finds in a run, and how it says it: an Insight is a
// phase, an event or a pattern, with the numbers that made it fire and an explanation written
// for a student (R5.2, R5.4, R5.5). Every detector produces these; the dashboard streams,
// stores and logs them; `nanogpt insights` prints them offline.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nanogpt::viz::insights {

// What was found. The wire name of each (protocol::insight_kind_name) is stable: the page's
// explanation cards and tours key on it.
enum class Kind {
    // phases of the loss curve (spans)
    WarmUp,          // lr rising to its peak
    RapidDescent,    // loss falling fast (with n-gram level crossings)
    Slowdown,        // progress slows relative to the recent past (online); a shoulder offline
    Shoulder,        // offline: a slow segment followed by a faster one
    PowerLaw,        // steady power-law descent: a constant log-log slope
    Annealing,       // lr below 20 % of its peak and falling
    Phase,           // offline changepoint segmentation (PELT): one segment of the phase map
    // events on the curves (points or short spans)
    LevelCrossed,    // the loss went below an n-gram reference level
    LossSpike,
    GradSpike,
    Instability,     // a cluster of spikes
    ClippingActive,  // the gradient norm is clipped on most steps
    Divergence,      // non-finite, a sustained rise, or worse than uniform guessing
    Overfitting,     // val rising while train falls (with the best step)
    GapGrowing,      // the generalisation gap grows while val still falls
    // patterns in the parameters (subject names the tensor, layer or head)
    UpdateRatioOutlier,  // a tensor's update/weight ratio off its peers or its own history
    WeightGrowth,        // weight norm growth, and where weight decay balances it
    VanishingGradient,
    ExplodingGradient,
    GradientImbalance,   // across layers of one tensor type
    EmbeddingClusters,   // token groups in the full-dimensional embedding
    FrequencyDirection,  // token frequency readable from the embedding
    RankCollapse,        // stable rank falling far below a random matrix's
    SpectralAlpha,       // WeightWatcher-style power-law exponent, as a trend
    // the probe
    AttentionCollapse,   // a head attending to almost one position
    PreviousTokenHead,
    InductionHead,
    DeadUnits,           // MLP units that never (or always) fire on the probe
};

enum class Severity { Info, Notice, Warning, Critical };

struct Insight {
    Kind kind = Kind::WarmUp;
    int id = 0;               // set by the engine: the same id is sent again when a span
                              // grows or closes (clients keep the latest per id)
    int step_start = 0, step_end = 0;
    bool open = false;        // a span still going on (step_end may grow)
    Severity severity = Severity::Info;
    std::string subject;      // "" for the whole run; "qkvw:2" (tensor:layer), "head:1.3" ...
    std::string title;        // a few words: "Loss spike at step 812"
    std::vector<std::pair<std::string, double>> evidence;  // the numbers that made it fire
    std::string explanation;  // for a student: what it is, in this run's numbers
    std::vector<std::string> causes;  // likely causes, most likely first (R5.5)
    std::vector<std::string> tries;   // what people do about it
};

}  // namespace nanogpt::viz::insights
