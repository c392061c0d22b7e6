// End-to-end bus throughput and latency: producers send batches of
// order-sized messages, consumers receive, and ack them; every send is
// durable before it is acknowledged, and a message counts once its ack is
// answered.
//
//   bus_bench --embedded HOST:PORT [options]
//   bus_bench --nats nats://HOST:PORT [options]
//
//   --mode throughput|latency  throughput: as fast as it goes (default);
//                              latency: --rate messages/s, paced
//   --seconds S    measured time (default 5), after --warmup S (default 1)
//   --batch B      messages per send and per receive (default 100)
//   --size BYTES   message body size (default 500)
//   --producers P / --consumers C   coroutines each (default 4 / 4)
//   --rate R       latency mode: messages per second (default 5000)
//   --bus-pid PID  also report that process's CPU time per message
//
// Throughput mode keeps a window of messages in flight (kWindow): a
// sustained rate, not a backlog growing. Prints one line of `key=value` pairs: messages_per_s, p50_ms,
// p99_ms, cpu_us_per_msg (with --bus-pid). Latency is send-call start to receive answer, on this machine's
// steady clock (embedded in the body).
#include "platform/bus/embedded_bus.h"
#include "platform/bus/nats_bus.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Config {
  std::string embedded;
  std::string nats;
  std::string mode = "throughput";
  double seconds = 5;
  double warmup = 1;
  std::size_t batch = 100;
  std::size_t size = 500;
  int producers = 4;
  int consumers = 4;
  double rate = 5000;
  long bus_pid = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "bus_bench: %s\n", why.c_str());
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&](double lo, double hi) {
      const std::string v = next();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || d < lo || d > hi)
        usage(a + " must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + v +
              "'");
      return d;
    };
    if (a == "--embedded")
      c.embedded = next();
    else if (a == "--nats")
      c.nats = next();
    else if (a == "--mode") {
      c.mode = next();
      if (c.mode != "throughput" && c.mode != "latency") usage("--mode is throughput or latency");
    } else if (a == "--seconds")
      c.seconds = number(0.1, 3600);
    else if (a == "--warmup")
      c.warmup = number(0, 600);
    else if (a == "--batch")
      c.batch = static_cast<std::size_t>(number(1, cafe::bus::kMaxBatch));
    else if (a == "--size")
      c.size = static_cast<std::size_t>(number(16, 65536));
    else if (a == "--producers")
      c.producers = static_cast<int>(number(1, 256));
    else if (a == "--consumers")
      c.consumers = static_cast<int>(number(1, 256));
    else if (a == "--rate")
      c.rate = number(1, 1e7);
    else if (a == "--bus-pid")
      c.bus_pid = static_cast<long>(number(1, 1e9));
    else
      usage("unknown argument " + a);
  }
  if (c.embedded.empty() == c.nats.empty()) usage("give one of --embedded HOST:PORT and --nats URL");
  return c;
}

// utime + stime of a process, in seconds.
double cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string body_at(std::int64_t sent_ns, std::size_t size) {
  std::string b = "{\"t\":" + std::to_string(sent_ns) + ",\"pad\":\"";
  const std::size_t tail = 2;
  if (b.size() + tail < size) b.append(size - b.size() - tail, 'x');
  b += "\"}";
  return b;
}

std::int64_t sent_of(const std::string& body) {
  std::int64_t t = 0;
  if (body.size() > 5) std::from_chars(body.data() + 5, body.data() + body.size(), t);
  return t;
}

struct Shared {
  Config config;
  cafe::bus::Bus* bus = nullptr;
  std::string queue;
  Clock::time_point measure_from, measure_until;
  std::uint64_t acked = 0;  // inside the window
  std::uint64_t errors = 0;
  std::vector<double> latencies_ms;  // inside the window, bounded
  bool stop = false;
  std::uint64_t next_id = 0;
  std::uint64_t sent_total = 0, acked_total = 0;  // over the whole run
};

// Throughput mode keeps at most this many messages between send and ack,
// so it measures what the bus sustains end to end rather than how fast a
// backlog can grow.
constexpr std::uint64_t kWindow = 20'000;

constexpr std::size_t kMaxSamples = 4'000'000;

asio::awaitable<void> produce(Shared& s, double per_producer_rate) {
  asio::steady_timer pace(co_await asio::this_coro::executor);
  auto next_send = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(s.config.batch) / std::max(per_producer_rate, 1e-9)));
  while (!s.stop) {
    if (s.config.mode == "latency") {
      next_send += interval;
      pace.expires_at(next_send);
      co_await pace.async_wait(asio::use_awaitable);
    } else if (s.sent_total - s.acked_total >= kWindow) {
      pace.expires_after(1ms);
      co_await pace.async_wait(asio::use_awaitable);
      continue;
    }
    std::vector<cafe::bus::OutgoingMessage> batch;
    batch.reserve(s.config.batch);
    const std::int64_t t = now_ns();
    for (std::size_t i = 0; i < s.config.batch; ++i)
      batch.push_back({"m" + std::to_string(s.next_id++), body_at(t, s.config.size), 0ms});
    s.sent_total += s.config.batch;
    auto sent = co_await s.bus->send(s.queue, std::move(batch), cafe::Deadline::after(10s));
    if (!sent) {
      ++s.errors;
      s.sent_total -= s.config.batch;
    }
  }
}

asio::awaitable<void> consume(Shared& s) {
  while (!s.stop) {
    auto got =
        co_await s.bus->receive(s.queue, {.max_messages = s.config.batch, .wait = 100ms, .visibility = 30s},
                                cafe::Deadline::after(10s));
    if (!got) {
      ++s.errors;
      continue;
    }
    if (got->empty()) continue;
    const auto received = Clock::now();
    const std::int64_t received_ns = now_ns();
    std::vector<std::string> receipts;
    receipts.reserve(got->size());
    for (auto& m : *got) receipts.push_back(std::move(m.receipt));
    auto acked = co_await s.bus->ack(s.queue, std::move(receipts), cafe::Deadline::after(10s));
    if (!acked) {
      ++s.errors;
      continue;
    }
    s.acked_total += got->size();
    if (received >= s.measure_from && received < s.measure_until) {
      s.acked += got->size();
      for (const auto& m : *got)
        if (s.latencies_ms.size() < kMaxSamples)
          s.latencies_ms.push_back(static_cast<double>(received_ns - sent_of(m.body)) / 1e6);
    }
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse(argc, argv);
  asio::io_context ctx(1);
  auto opened = config.nats.empty()
                    ? cafe::bus::open_embedded_bus({.addresses = {config.embedded}, .caller = "bus-bench"})
                    : cafe::bus::open_nats_bus({.url = config.nats});
  if (!opened) usage(opened.error().detail);
  std::unique_ptr<cafe::bus::Bus> bus = std::move(*opened);

  Shared s;
  s.config = config;
  s.bus = bus.get();
  s.queue = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns() % 1'000'000);
  int status = 0;
  double cpu_before = 0, cpu_after = 0;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        cafe::bus::QueueOptions q;
        q.max_messages = 1'000'000;
        q.max_bytes = std::size_t{256} << 20;  // JetStream reserves this much store per stream
        auto declared = co_await s.bus->declare_queue(s.queue, q, cafe::Deadline::after(10s));
        if (!declared) {
          std::fprintf(stderr, "bus_bench: declare: %s\n", declared.error().detail.c_str());
          status = 1;
          co_return;
        }
        const auto start = Clock::now();
        s.measure_from =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.warmup));
        s.measure_until = s.measure_from + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(config.seconds));
        auto ex = co_await asio::this_coro::executor;
        for (int i = 0; i < config.consumers; ++i) asio::co_spawn(ex, consume(s), asio::detached);
        for (int i = 0; i < config.producers; ++i)
          asio::co_spawn(ex, produce(s, config.rate / config.producers), asio::detached);
        asio::steady_timer timer(ex);
        timer.expires_at(s.measure_from);
        co_await timer.async_wait(asio::use_awaitable);
        if (config.bus_pid) cpu_before = cpu_seconds(config.bus_pid);
        timer.expires_at(s.measure_until);
        co_await timer.async_wait(asio::use_awaitable);
        if (config.bus_pid) cpu_after = cpu_seconds(config.bus_pid);
        s.stop = true;
        timer.expires_after(500ms);  // let the last calls finish
        co_await timer.async_wait(asio::use_awaitable);
        bus->close();
      },
      asio::detached);
  ctx.run();
  if (status) return status;
  const double rate = static_cast<double>(s.acked) / config.seconds;
  std::printf("messages_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%llu", rate,
              percentile(s.latencies_ms, 0.5), percentile(s.latencies_ms, 0.99),
              static_cast<unsigned long long>(s.errors));
  if (config.bus_pid && s.acked)
    std::printf(" cpu_us_per_msg=%.2f", (cpu_after - cpu_before) * 1e6 / static_cast<double>(s.acked));
  std::printf("\n");
  return 0;
}
