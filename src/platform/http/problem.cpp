#include "platform/http/problem.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::http {
namespace {

struct StatusInfo {
  const char* slug;
  const char* title;
};

StatusInfo info_for(int status) {
  switch (status) {
    case 400:
      return {"bad-request", "Bad Request"};
    case 401:
      return {"unauthorized", "Unauthorized"};
    case 403:
      return {"forbidden", "Forbidden"};
    case 404:
      return {"not-found", "Not Found"};
    case 405:
      return {"method-not-allowed", "Method Not Allowed"};
    case 408:
      return {"request-timeout", "Request Timeout"};
    case 409:
      return {"conflict", "Conflict"};
    case 411:
      return {"length-required", "Length Required"};
    case 413:
      return {"payload-too-large", "Content Too Large"};
    case 414:
      return {"uri-too-long", "URI Too Long"};
    case 415:
      return {"unsupported-media-type", "Unsupported Media Type"};
    case 422:
      return {"unprocessable", "Unprocessable Content"};
    case 429:
      return {"too-many-requests", "Too Many Requests"};
    case 431:
      return {"headers-too-large", "Request Header Fields Too Large"};
    case 500:
      return {"internal", "Internal Server Error"};
    case 502:
      return {"bad-gateway", "Bad Gateway"};
    case 503:
      return {"unavailable", "Service Unavailable"};
    case 504:
      return {"gateway-timeout", "Gateway Timeout"};
    default:
      return {"error", "Error"};
  }
}

Response render(int status, std::string_view detail, std::string_view instance, std::string_view request_id,
                const std::vector<FieldError>* fields, int retry_after) {
  const auto info = info_for(status);
  boost::json::object body;
  body["type"] = std::string("urn:cloudcafe:problem:") + info.slug;
  body["title"] = info.title;
  body["status"] = status;
  if (!detail.empty()) body["detail"] = detail;
  if (!instance.empty()) body["instance"] = instance;
  if (!request_id.empty()) body["request_id"] = request_id;
  if (fields && !fields->empty()) {
    boost::json::array errors;
    for (const auto& f : *fields)
      errors.push_back(boost::json::object{{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(errors);
  }
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/problem+json");
  if (retry_after <= 0 && (status == 429 || status == 503)) retry_after = 1;
  if (retry_after > 0) r.headers.add("Retry-After", std::to_string(retry_after));
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace

int status_for(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kAborted:  // with Retry-After: the transaction may be retried
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 422;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response problem(const Error& error, std::string_view instance, std::string_view request_id) {
  const int status = status_for(error.code);
  const std::string_view detail = error.code == ErrorCode::kInternal
                                      ? std::string_view("an unexpected error occurred; quote the request id")
                                      : std::string_view(error.detail);
  int retry_after = error.retry_after_seconds;
  if (error.code == ErrorCode::kAborted && retry_after <= 0) retry_after = 1;
  return render(status, detail, instance, request_id, &error.fields, retry_after);
}

Response problem(int status, std::string_view detail, std::string_view instance,
                 std::string_view request_id) {
  return render(status, detail, instance, request_id, nullptr, 0);
}

}  // namespace cafe::http
