#include "services/menu/api/routes.h"

#include "platform/http/problem.h"
#include "platform/http/service.h"
#include "platform/json/body.h"
#include "services/menu/api/item_json.h"
#include "services/menu/domain/render.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <memory>

namespace cafe::menu::api {

namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

constexpr std::int64_t kMaxStoreId = 2'147'483'647;

Result<std::int64_t> parse_id(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  const char* begin = std::to_address(text.begin());
  const char* end = std::to_address(text.end());
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1 || value > kMaxStoreId) {
    return Error::invalid(
        std::string(what) + " must be an integer between 1 and " + std::to_string(kMaxStoreId),
        {{std::string(what), "must be an integer between 1 and " + std::to_string(kMaxStoreId)}});
  }
  return value;
}

Result<std::optional<domain::StoreId>> store_param(const Request& req) {
  auto raw = req.query_param("store_id");
  if (!raw || raw->empty()) return std::optional<domain::StoreId>{};
  auto id = parse_id(*raw, "store_id");
  if (!id) return id.error();
  return std::optional<domain::StoreId>{*id};
}

// 200 with an ETag, or 304 when the client already has this rendering.
Response cacheable(const Request& req, const Rendered& rendered, std::string_view rendering_name) {
  const std::string etag = make_etag(rendered.version, rendering_name);
  const auto if_none_match = req.headers.get("If-None-Match");
  Response resp = if_none_match && etag_matches(*if_none_match, etag) ? Response::empty(304)
                                                                      : Response::json(200, rendered.body);
  resp.headers.set("ETag", etag);
  resp.headers.set("Cache-Control", "no-cache");
  return resp;
}

// The answer to a committed write. The body is the item as this replica now
// sees it; when its reload after the write failed (the write still
// committed), a short body names the item and the version instead of
// showing a stale one.
Response written(int status, std::int64_t version, const std::string& item_id, const MenuService& service) {
  if (status == 204) {
    Response resp = Response::empty(204);
    resp.headers.set("X-Catalog-Version", std::to_string(version));
    return resp;
  }
  auto catalog = service.catalog();
  const domain::Item* item = catalog && catalog->version >= version ? catalog->find_item(item_id) : nullptr;
  Response resp = item ? Response::json(status, domain::render_item(*catalog, *item, std::nullopt))
                       : Response::json(status, boost::json::serialize(boost::json::object{
                                                    {"item_id", item_id}, {"catalog_version", version}}));
  resp.headers.set("X-Catalog-Version", std::to_string(version));
  if (status == 201) resp.headers.set("Location", "/api/menu/items/" + item_id);
  return resp;
}

}  // namespace

Result<void> add_routes(http::Router& router, MenuService& service) {
  const http::RouteOptions read{.access = http::Access::kPublic, .body_limit = 0};
  const http::RouteOptions admin_write{.access = http::Access::kAdmin, .body_limit = kItemBodyLimit};
  const http::RouteOptions admin_delete{.access = http::Access::kAdmin, .body_limit = 0};

  auto get_menu = [&service](Request& req) -> asio::awaitable<Response> {
    auto store = store_param(req);
    if (!store) co_return http::problem_for(req, store.error());
    auto rendered = co_await service.menu(*store);
    if (!rendered) co_return http::problem_for(req, rendered.error());
    const std::string name = *store ? "menu:" + std::to_string(**store) : "menu:all";
    co_return cacheable(req, *rendered, name);
  };

  auto list_items = [&service](Request& req) -> asio::awaitable<Response> {
    const std::string category = req.query_param("category").value_or("");
    if (category.size() > 64) {
      co_return http::problem_for(req, Error::invalid("category must be at most 64 bytes",
                                                      {{"category", "must be at most 64 bytes"}}));
    }
    auto rendered = co_await service.item_array(category);
    if (!rendered) co_return http::problem_for(req, rendered.error());
    co_return cacheable(req, *rendered, "items:" + category);
  };

  auto get_item = [&service](Request& req) -> asio::awaitable<Response> {
    const std::string item_id(req.params.get("item_id").value_or(""));
    auto store = store_param(req);
    if (!store) co_return http::problem_for(req, store.error());
    auto rendered = co_await service.item(item_id, *store);
    if (!rendered) co_return http::problem_for(req, rendered.error());
    co_return cacheable(req, *rendered, "item:" + item_id + ":" + (*store ? std::to_string(**store) : "all"));
  };

  auto create_item = [&service](Request& req) -> asio::awaitable<Response> {
    auto input = decode_item(req.body, std::nullopt);
    if (!input) co_return http::problem_for(req, input.error());
    auto catalog = service.catalog();
    if (!catalog) co_return http::problem_for(req, Error::unavailable("the catalog is not loaded yet"));
    if (auto errors = domain::validate_item(*input, *catalog); !errors.empty()) {
      co_return http::problem_for(req, json::to_result(std::move(errors), "menu item").error());
    }
    const std::string item_id = input->item_id;
    auto version = co_await service.create_item(std::move(*input), req.deadline);
    if (!version) co_return http::problem_for(req, version.error());
    co_return written(201, *version, item_id, service);
  };

  auto update_item = [&service](Request& req) -> asio::awaitable<Response> {
    const std::string item_id(req.params.get("item_id").value_or(""));
    auto input = decode_item(req.body, item_id);
    if (!input) co_return http::problem_for(req, input.error());
    auto catalog = service.catalog();
    if (!catalog) co_return http::problem_for(req, Error::unavailable("the catalog is not loaded yet"));
    if (auto errors = domain::validate_item(*input, *catalog); !errors.empty()) {
      co_return http::problem_for(req, json::to_result(std::move(errors), "menu item").error());
    }
    auto version = co_await service.update_item(std::move(*input), req.deadline);
    if (!version) co_return http::problem_for(req, version.error());
    co_return written(200, *version, item_id, service);
  };

  auto delete_item = [&service](Request& req) -> asio::awaitable<Response> {
    const std::string item_id(req.params.get("item_id").value_or(""));
    auto version = co_await service.delete_item(item_id, req.deadline);
    if (!version) co_return http::problem_for(req, version.error());
    co_return written(204, *version, item_id, service);
  };

  auto list_stores = [&service](Request& req) -> asio::awaitable<Response> {
    auto catalog = service.catalog();
    if (!catalog) co_return http::problem_for(req, Error::unavailable("the catalog is not loaded yet"));
    std::int64_t limit = 50;
    if (auto raw = req.query_param("limit")) {
      auto parsed = parse_id(*raw, "limit");
      if (!parsed || *parsed > 500) {
        co_return http::problem_for(
            req, Error::invalid("limit must be between 1 and 500", {{"limit", "must be between 1 and 500"}}));
      }
      limit = *parsed;
    }
    domain::StoreId after = 0;
    if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
      auto parsed =
          cursor->starts_with("s") ? parse_id(cursor->substr(1), "cursor") : Result<std::int64_t>(Error{});
      if (!parsed) {
        co_return http::problem_for(req, Error::invalid("cursor is not one this API returned",
                                                        {{"cursor", "is not one this API returned"}}));
      }
      after = *parsed;
    }
    co_return Response::json(200, domain::render_stores(*catalog, after, static_cast<std::size_t>(limit)));
  };

  auto get_store = [&service](Request& req) -> asio::awaitable<Response> {
    auto id = parse_id(req.params.get("store_id").value_or(""), "store_id");
    if (!id) co_return http::problem_for(req, id.error());
    auto catalog = service.catalog();
    if (!catalog) co_return http::problem_for(req, Error::unavailable("the catalog is not loaded yet"));
    const auto* store = catalog->find_store(*id);
    if (!store) co_return http::problem_for(req, Error::not_found("no store " + std::to_string(*id)));
    co_return Response::json(200, domain::render_store(*store));
  };

  struct Entry {
    http::Method method;
    std::string_view path;
    http::Handler handler;
    http::RouteOptions options;
  };
  const Entry entries[] = {
      {http::Method::kGet, "/menu", get_menu, read},
      {http::Method::kGet, "/menu/items", list_items, read},
      {http::Method::kPost, "/menu/items", create_item, admin_write},
      {http::Method::kGet, "/menu/items/{item_id}", get_item, read},
      {http::Method::kPut, "/menu/items/{item_id}", update_item, admin_write},
      {http::Method::kDelete, "/menu/items/{item_id}", delete_item, admin_delete},
      {http::Method::kGet, "/stores", list_stores, read},
      {http::Method::kGet, "/stores/{store_id}", get_store, read},
  };
  for (const auto& e : entries) {
    for (const std::string_view prefix : {"/api", ""}) {
      if (auto r = router.add(e.method, std::string(prefix) + std::string(e.path), e.handler, e.options);
          !r) {
        return r;
      }
    }
  }
  return {};
}

}  // namespace cafe::menu::api
