#include "cluster/log_view.h"

#include "platform/json/body.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <tuple>

namespace cafe::cluster {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxLine = std::size_t{256} << 10;

// The "ts" of a log line without parsing the whole line: our lines begin
// {"ts":"2026-...Z", and the ISO form sorts as text.
std::optional<std::string_view> timestamp_of(std::string_view line) {
  constexpr std::string_view kPrefix = R"({"ts":")";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  const auto end = line.find('"', kPrefix.size());
  if (end == std::string_view::npos) return std::nullopt;
  return line.substr(kPrefix.size(), end - kPrefix.size());
}

// Text from a log line as it may reach a terminal: JSON-quoted when it
// holds a control character (a newline forging a second line, an ESC
// driving the terminal) or, for a field's value, anything that would not
// read back as one token.
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string quoted(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

std::string safe_text(std::string_view s) {
  return has_control(s) ? quoted(s) : std::string(s);
}

std::string value_text(std::string_view s) {
  const bool one_token = s.find_first_of(" =\"\\") == std::string_view::npos;
  return has_control(s) || !one_token ? quoted(s) : std::string(s);
}

std::string scalar_text(const boost::json::value& v) {
  if (v.is_string()) return value_text(v.as_string());
  if (v.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v.as_double());
    return buf;
  }
  return boost::json::serialize(v);
}

struct Cursor {
  fs::path path;
  std::ifstream in;
  std::string line;
  std::string ts;  // of the current line, or inherited from the one before
  std::uintmax_t offset = 0;
  bool has_line = false;

  void advance() {
    has_line = false;
    std::string next;
    if (!std::getline(in, next)) return;
    // A last line without its newline is still being written: it is read
    // whole, later, by read_appended().
    if (in.eof()) return;
    offset += next.size() + 1;
    if (next.size() > kMaxLine) next.resize(kMaxLine);
    line = std::move(next);
    if (auto t = timestamp_of(line)) ts = std::string(*t);
    has_line = true;
  }
};

// The offset of the first '\n' at or after `from`, before `size`.
std::optional<std::uintmax_t> end_of_line(std::ifstream& in, std::uintmax_t from, std::uintmax_t size) {
  std::string block(std::size_t{64} * 1024, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(from));
  while (from < size) {
    in.read(block.data(), static_cast<std::streamsize>(std::min<std::uintmax_t>(block.size(), size - from)));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    const auto newline = std::string_view(block.data(), got).find('\n');
    if (newline != std::string_view::npos) return from + newline;
    from += got;
  }
  return std::nullopt;
}

}  // namespace

std::string pretty_log_line(std::string_view line) {
  auto parsed = json::parse(line, {.max_depth = 16, .max_bytes = kMaxLine});
  if (!parsed || !parsed->is_object()) return std::string(line);
  const auto& o = parsed->as_object();
  auto text = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? safe_text(v->as_string()) : std::string();
  };
  std::string ts = text("ts");
  if (const auto t = ts.find('T'); t != std::string::npos) ts = ts.substr(t + 1);
  if (!ts.empty() && ts.back() == 'Z') ts.pop_back();
  std::string who = text("replica");
  if (who.empty()) who = text("service");
  char head[128];
  std::snprintf(head, sizeof head, "%-12s %-12s %-5s ", ts.c_str(), who.c_str(), text("level").c_str());
  std::string out = head;
  out += text("event");
  for (const auto& field : o) {
    const std::string_view key = field.key();
    if (key == "ts" || key == "level" || key == "service" || key == "replica" || key == "event") continue;
    out += ' ';
    out += safe_text(key);
    out += '=';
    out += scalar_text(field.value());
  }
  return out;
}

std::vector<fs::path> log_files(const fs::path& logs_dir, const std::string& filter) {
  std::vector<fs::path> out;
  std::string replica = filter;
  if (auto slash = replica.find('/'); slash != std::string::npos) replica[slash] = '-';
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(logs_dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".log") continue;
    const std::string stem = entry.path().stem().string();  // "menu-1", "supervisor"
    const auto dash = stem.rfind('-');
    const std::string service = dash == std::string::npos ? stem : stem.substr(0, dash);
    if (filter.empty() || stem == replica || service == filter) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<fs::path, std::uintmax_t> merge_logs(const std::vector<fs::path>& files,
                                              const std::function<void(std::string_view)>& emit) {
  std::vector<std::unique_ptr<Cursor>> cursors;
  for (const auto& f : files) {
    auto c = std::make_unique<Cursor>();
    c->path = f;
    c->in.open(f, std::ios::binary);
    c->advance();
    cursors.push_back(std::move(c));
  }
  for (;;) {
    Cursor* next = nullptr;
    for (auto& c : cursors)
      if (c->has_line && (!next || c->ts < next->ts)) next = c.get();
    if (!next) break;
    emit(next->line);
    next->advance();
  }
  std::map<fs::path, std::uintmax_t> offsets;
  for (const auto& c : cursors) offsets[c->path] = c->offset;
  return offsets;
}

void read_appended(const std::vector<fs::path>& files, std::map<fs::path, std::uintmax_t>& offsets,
                   const std::function<void(std::string_view)>& emit, std::uintmax_t max_bytes) {
  struct Pending {
    std::string ts;
    std::size_t order;
    std::string line;
  };
  std::vector<Pending> batch;
  for (const auto& f : files) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (ec) continue;
    auto& offset = offsets[f];
    if (size < offset) offset = 0;  // truncated (rotated): read it again from the start
    if (size == offset) continue;
    std::ifstream in(f, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string chunk(static_cast<std::size_t>(std::min(size - offset, max_bytes)), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    const auto last_newline = chunk.rfind('\n');
    if (last_newline == std::string::npos) {
      if (chunk.size() < max_bytes) continue;  // only part of a line so far
      // A line longer than a whole chunk: shown cut (as merge_logs cuts it)
      // and passed over once its end has been written.
      auto end = end_of_line(in, offset + chunk.size(), size);
      if (!end) continue;
      chunk += '\n';
      offset = *end + 1;
    } else {
      chunk.resize(last_newline + 1);
      offset += chunk.size();
    }
    std::string ts;
    std::size_t start = 0;
    while (start < chunk.size()) {
      const auto end = chunk.find('\n', start);
      std::string line = chunk.substr(start, end - start);
      start = end + 1;
      if (auto t = timestamp_of(line)) ts = std::string(*t);
      batch.push_back({ts, batch.size(), std::move(line)});
    }
  }
  // `order` keeps each file's lines in file order among equal times.
  std::sort(batch.begin(), batch.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.ts, a.order) < std::tie(b.ts, b.order);
  });
  for (const auto& p : batch) emit(p.line);
}

}  // namespace cafe::cluster
