#include "platform/bus/bus.h"

namespace cafe::bus {

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name.front())) return false;
  for (char c : name)
    if (!lower_or_digit(c) && c != '_' && c != '-') return false;
  return true;
}

}  // namespace cafe::bus
