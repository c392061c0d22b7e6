// A small blocking HTTP/1.1 client for tests, with a deadline on every call
// so a hung server fails the test instead of hanging it. Also sends raw
// bytes, for malformed and hostile requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cafe::test {

struct TestResponse {
  int status = 0;                              // 0: no response (connection closed or timed out)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string error;  // why status is 0

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct TestRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One request on a fresh connection to 127.0.0.1:port.
TestResponse send_request(std::uint16_t port, const TestRequest& request,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
TestResponse get(std::uint16_t port, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers = {});

// Writes `bytes` as they are and parses whatever response comes back.
TestResponse send_raw(std::uint16_t port, const std::string& bytes,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// "host:port" -> port.
std::uint16_t port_of(const std::string& address);

}  // namespace cafe::test
