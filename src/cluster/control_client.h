// How the CLI reaches a running supervisor: its address from the data
// dir's cluster.json, the admin token from the data dir, one HTTP call with
// a deadline.
#pragma once

#include "cluster/data_dir.h"
#include "platform/http/message.h"

#include <chrono>
#include <string>

namespace cafe::cluster {

// kNotFound when no cluster runs on `dir`; kUnavailable when the supervisor
// does not answer within `timeout`. Any HTTP answer is returned as is.
Result<http::Response> control_call(const DataDir& dir, http::Method method, const std::string& path,
                                    std::string body = {},
                                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// The `detail` of a problem+json answer, else its body.
std::string problem_detail(const http::Response& response);

}  // namespace cafe::cluster
