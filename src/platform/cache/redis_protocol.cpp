#include "platform/cache/internal/redis_protocol.h"

#include <hiredis/hiredis.h>

#include <array>

namespace cafe::cache::internal {
namespace {

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

std::string format_command(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (auto arg : args) {
    // hiredis memcpy()s each argument: never hand it a null pointer.
    argv.push_back(arg.empty() ? "" : arg.data());
    argvlen.push_back(arg.size());
  }
  char* target = nullptr;
  const int len = redisFormatCommandArgv(&target, static_cast<int>(args.size()), argv.data(), argvlen.data());
  if (len < 0) throw std::bad_alloc();
  std::string out(target, static_cast<std::size_t>(len));
  redisFreeCommand(target);
  return out;
}

struct ReplyReader::Impl {
  redisReader* reader = redisReaderCreate();
  ~Impl() { redisReaderFree(reader); }
};

ReplyReader::ReplyReader() : impl_(std::make_unique<Impl>()) {
  if (impl_->reader == nullptr) throw std::bad_alloc();
}
ReplyReader::~ReplyReader() = default;

Result<void> ReplyReader::feed(const char* data, std::size_t size) {
  if (redisReaderFeed(impl_->reader, data, size) != REDIS_OK) {
    return Error::unavailable(std::string("redis reader: ") + impl_->reader->errstr);
  }
  return ok();
}

Result<std::optional<RedisReply>> ReplyReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
    return Error::unavailable(std::string("redis protocol error: ") + impl_->reader->errstr);
  }
  if (raw == nullptr) return std::optional<RedisReply>();
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw),
                                                                &freeReplyObject);
  return std::optional<RedisReply>(convert(*reply));
}

Error error_from_reply(const RedisReply& reply) {
  static constexpr std::array<std::string_view, 6> kTransient = {"LOADING", "BUSY",       "TRYAGAIN",
                                                                 "OOM",     "MASTERDOWN", "READONLY"};
  std::string_view text = reply.str;
  for (auto prefix : kTransient) {
    if (text.starts_with(prefix)) return Error::unavailable("redis: " + reply.str);
  }
  return Error::internal("redis: " + reply.str);
}

}  // namespace cafe::cache::internal
