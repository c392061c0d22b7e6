#include "platform/http_client/simple_response.h"

#include "platform/http/body_buffers.h"
#include "platform/http_client/client_connection.h"

#include <array>
#include <charconv>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cafe::http_client::detail {
namespace {

// RFC 9110 §5.6.2 tchar: what a field name is made of.
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// A byte Beast refuses in a field value or reason phrase: a control
// character other than tab, or DEL. CR is one: it ends the line.
bool is_stop(unsigned char c) {
  return (c < 0x20 && c != '\t') || c == 0x7F;
}

// The line from `p`: the position of its CR when the line is all value
// characters and ends with CRLF; `end` when the data ends first; null when
// another byte comes first. Sixteen bytes at a time where SSE2 is there:
// field values are most of a head.
const char* line_end(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i below_space = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i tab = _mm_set1_epi8('\t');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, below_space), v);  // unsigned v <= 0x1F
    const __m128i stop =
        _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), _mm_or_si128(control, _mm_cmpeq_epi8(v, del)));
    if (const int mask = _mm_movemask_epi8(stop); mask != 0) {
      p += __builtin_ctz(static_cast<unsigned>(mask));
      break;
    }
    p += 16;
  }
#endif
  while (p < end && !is_stop(static_cast<unsigned char>(*p))) ++p;
  if (p == end) return end;
  if (*p != '\r') return nullptr;
  if (p + 1 == end) return end;
  return p[1] == '\n' ? p : nullptr;
}

// Whether `data`, shorter than a status line's first 13 bytes, may still
// begin "HTTP/1.x DDD ".
bool may_begin_status_line(std::string_view data) {
  constexpr std::string_view kForm = "HTTP/1.# ### ";
  for (std::size_t i = 0; i < data.size() && i < kForm.size(); ++i) {
    const char c = data[i];
    const bool fits =
        kForm[i] != '#' ? c == kForm[i] : (i == 7 ? c == '0' || c == '1' : c >= '0' && c <= '9');
    if (!fits) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A head with more fields is left to Beast.
constexpr std::size_t kMaxFields = 32;

struct Field {
  std::string_view name;
  std::string_view value;
};

}  // namespace

SimpleResponse read_simple_response(std::string_view data, std::size_t max_header, std::size_t max_body,
                                    http::Response& response) {
  SimpleResponse out;
  // Beast refuses a head past the limit; until then, the rest may come.
  const std::string_view window = data.substr(0, max_header);
  const char* const first = window.data();
  const char* const last = first + window.size();
  const auto need_more = [&] {
    if (window.size() < max_header) out.verdict = SimpleResponse::Verdict::kNeedMore;
    return out;
  };

  // "HTTP/1.x DDD reason"
  if (window.size() < 13) return may_begin_status_line(window) ? need_more() : out;
  if (!window.starts_with("HTTP/1.") || (window[7] != '1' && window[7] != '0') || window[8] != ' ' ||
      window[12] != ' ') {
    return out;
  }
  const bool http11 = window[7] == '1';
  int status = 0;
  if (std::from_chars(first + 9, first + 12, status).ptr != first + 12) return out;
  // Interim answers and the bodiless 204 and 304 take Beast's rules.
  if (status < 200 || status > 599 || status == 204 || status == 304) return out;
  const char* p = line_end(first + 13, last);
  if (p == nullptr) return out;
  if (p == last) return need_more();
  p += 2;

  std::array<Field, kMaxFields> fields;
  std::size_t count = 0;
  std::optional<std::uint64_t> length;
  bool close = false;
  bool keep_alive_token = false;
  for (;;) {
    if (last - p < 2) return need_more();
    if (p[0] == '\r') {
      if (p[1] != '\n') return out;
      p += 2;
      break;
    }
    const char* colon = p;
    while (colon < last && kTokenChar[static_cast<unsigned char>(*colon)]) ++colon;
    if (colon == last) return need_more();
    if (*colon != ':' || colon == p || count == kMaxFields) return out;
    const char* eol = line_end(colon + 1, last);
    if (eol == nullptr) return out;
    if (eol == last) return need_more();
    const std::string_view name(p, colon - p);
    const std::string_view value = trim(std::string_view(colon + 1, eol - colon - 1));
    p = eol + 2;
    if (http::iequals(name, "content-length")) {
      std::uint64_t n = 0;
      const auto parsed = std::from_chars(value.data(), value.data() + value.size(), n);
      if (length || value.empty() || parsed.ec != std::errc() || parsed.ptr != value.data() + value.size()) {
        return out;
      }
      length = n;
      continue;
    }
    if (http::iequals(name, "transfer-encoding")) return out;
    if (http::iequals(name, "connection")) {
      if (http::iequals(value, "close")) {
        close = true;
      } else if (http::iequals(value, "keep-alive")) {
        keep_alive_token = true;
      } else {
        return out;
      }
    }
    fields[count++] = {name, value};
  }
  const std::size_t head_size = static_cast<std::size_t>(p - first);
  // Without a length the body runs to the end of the stream: Beast's case.
  if (!length || *length > max_body) return out;
  if (data.size() - head_size < *length) {
    out.verdict = SimpleResponse::Verdict::kNeedMore;
    return out;
  }

  response.status = status;
  response.headers = {};
  response.headers.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!is_hop_by_hop(fields[i].name)) response.headers.emplace(fields[i].name, fields[i].value);
  }
  response.body = http::take_body_buffer(*length);
  response.body.append(data.substr(head_size, *length));
  out.verdict = SimpleResponse::Verdict::kComplete;
  out.size = head_size + *length;
  out.keep_alive = !close && (http11 || keep_alive_token);
  return out;
}

}  // namespace cafe::http_client::detail
