// rest.h: the REST routes under /api, answered from a HistorySource.
#pragma once
#include <string_view>

#include "viz/hub/history_source.h"
#include "viz/hub/reply.h"

namespace nanogpt::viz::hub {

// Answers a GET for `path` (decoded, starting with "/api"):
//   /api/sessions                        -> sessions_json()
//   /api/sessions/<id>/run|metrics|events -> run_json / metrics_json / events_json
//   /api/sessions/<id>/frames            -> frame_index_json
//   /api/sessions/<id>/frames/<step>     -> frame (application/octet-stream)
// Bad session id or step -> 400, unknown session/step/route -> 404, all as {"error": ...}.
// Exceptions from the HistorySource propagate; the caller turns them into a 500.
HubReply serve_api(const HistorySource& history, std::string_view path);

}  // namespace nanogpt::viz::hub
