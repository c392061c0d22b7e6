// The cache under test for the conformance suite: memory, or Redis on the
// executable's shared test server. Each test gets its own key prefix, so
// tests sharing a server do not see each other's keys.
#pragma once

#include "platform/cache/cache.h"
#include "support/redis_server.h"
#include "unit/platform/cache/result_text.h"
#include "unit/platform/cache/run_sync.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cafe::cache::testing {

enum class Backend { kMemory, kRedis };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "memory" : "redis";
}

class CacheTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      cache_ = make_memory_cache({});
      return;
    }
    auto* server = test::RedisServer::start_or_skip();
    if (server == nullptr) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    cache_ = make_redis_cache(RedisOptions{
        .host = "127.0.0.1",
        .port = server->port(),
        .connect_timeout = std::chrono::milliseconds(500),
        // Room for 1 MiB values under ASan on a busy machine.
        .command_timeout = std::chrono::milliseconds(2000),
        .max_pending = 1024,
        .key_prefix = std::string("conformance:") + info->name() + ":",
    });
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return run_sync(io_, std::move(task));
  }

  boost::asio::io_context io_;  // declared first: outlives the cache
  std::unique_ptr<Cache> cache_;
};

}  // namespace cafe::cache::testing
