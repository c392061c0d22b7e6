// Fuzzes the embedded bus's wire readers (platform/bus/wire.h): the first
// byte picks the reader, the rest is the body. Every reader must answer a
// value or a kInvalidArgument/kPayloadTooLarge — never crash, never throw —
// and what it accepts must survive a write/read round trip unchanged.
#include "platform/bus/wire.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

template <class T>
void refused_cleanly(const cafe::Result<T>& r) {
  if (!r)
    check(r.error().code == cafe::ErrorCode::kInvalidArgument ||
          r.error().code == cafe::ErrorCode::kPayloadTooLarge);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cafe::bus;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {
      auto r = wire::read_messages(body);
      refused_cleanly(r);
      if (r) {
        auto again = wire::read_messages(wire::write_messages(*r));
        check(again && again->size() == r->size());
        for (std::size_t i = 0; i < r->size(); ++i)
          check((*again)[i].id == (*r)[i].id && (*again)[i].body == (*r)[i].body &&
                (*again)[i].delay == (*r)[i].delay);
      }
      break;
    }
    case 1:
      refused_cleanly(wire::read_receive(body));
      break;
    case 2:
      refused_cleanly(wire::read_receipts(wire::ReceiptsKind::kNack, body));
      break;
    case 3: {
      auto r = wire::read_entries(body);
      refused_cleanly(r);
      if (r) {
        auto again = wire::read_entries(wire::write_entries(*r));
        check(again && again->size() == r->size());
      }
      break;
    }
    case 4: {
      auto r = wire::read_read(body);
      refused_cleanly(r);
      if (r) check(static_cast<bool>(wire::read_read(wire::write_read(r->from, r->options))));
      break;
    }
    case 5:
      refused_cleanly(wire::read_offset(body, true));
      break;
    case 6:
      refused_cleanly(wire::read_queue_options(body));
      break;
    case 7:
      refused_cleanly(wire::read_records(body));
      break;
  }
  return 0;
}
