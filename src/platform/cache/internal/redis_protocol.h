// RESP through hiredis 0.14: its command formatter and its reply reader,
// with hiredis kept out of every header (the reader sits behind a pimpl).
#pragma once

#include "platform/core/error.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::cache::internal {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

// One command in RESP, binary-safe (each argument is length-prefixed).
std::string format_command(const std::vector<std::string_view>& args);

// Incremental reader: feed bytes as they arrive, then take whole replies.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  Result<void> feed(const char* data, std::size_t size);
  // The next complete reply, nullopt when more bytes are needed, or an error
  // for a protocol violation (the connection is unusable afterwards).
  Result<std::optional<RedisReply>> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Maps an error reply to what the caller should do: a server that is
// loading, busy or out of memory is kUnavailable (retry), anything else
// (WRONGTYPE, a syntax error) is a bug on our side.
Error error_from_reply(const RedisReply& reply);

}  // namespace cafe::cache::internal
