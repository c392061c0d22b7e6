// The menu's HTTP routes (API.md, "menu" and the compatibility paths), each
// under both /api/x and /x.
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"
#include "services/menu/menu_service.h"

namespace cafe::menu::api {

Result<void> add_routes(http::Router& router, MenuService& service);

}  // namespace cafe::menu::api
