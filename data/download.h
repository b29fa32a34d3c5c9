// download.h: fetching a file over HTTP(S) with the curl command-line tool.
#pragma once
#include <string>

namespace nanogpt {

// Downloads url to path: first into "<path>.download", renamed to path only when curl
// succeeds and the file is not empty, so an interrupted or failed download never leaves a
// partial file at path. Throws Error (with hint_if_failed) when curl is missing or fails,
// e.g. when offline.
void download_file(const std::string& url, const std::string& path,
                   const std::string& hint_if_failed);

}  // namespace nanogpt
