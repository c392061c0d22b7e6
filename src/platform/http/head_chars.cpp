#include "platform/http/head_chars.h"

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cafe::http {
namespace {

constexpr std::array<bool, 256> kNotInName = [] {
  std::array<bool, 256> t{};
  for (const char c : std::string_view("\r\n\0: \t", 6)) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

bool has_line_break(std::string_view value) noexcept {
  const char* p = value.data();
  const char* const end = p + value.size();
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i nul = _mm_setzero_si128();
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, nul));
    if (_mm_movemask_epi8(hit) != 0) return true;
  }
#endif
  for (; p < end; ++p) {
    if (*p == '\r' || *p == '\n' || *p == '\0') return true;
  }
  return false;
}

bool is_writable_name(std::string_view name) noexcept {
  for (const char c : name) {
    if (kNotInName[static_cast<unsigned char>(c)]) return false;
  }
  return !name.empty();
}

}  // namespace cafe::http
