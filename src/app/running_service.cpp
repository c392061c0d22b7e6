#include "app/running_service.h"

#include "app/gateway_app.h"
#include "app/menu_app.h"

namespace cafe::app {

Result<std::unique_ptr<ServiceApp>> make_service_app(const std::string& service, const AppConfig& config,
                                                     const RunOptions& options, telemetry::Metrics& metrics,
                                                     faults::Registry& faults) {
  if (service == "menu") return make_menu_app(config, options.data_dir, faults);
  if (service == "gateway") return make_gateway_app(config, &metrics.registry(), faults);
  return Error::invalid("unknown service '" + service + "'; this build serves: menu, gateway");
}

Result<std::unique_ptr<RunningService>> RunningService::create(const AppConfig& config,
                                                               const RunOptions& options) {
  std::unique_ptr<RunningService> rs(new RunningService());
  rs->metrics_ = std::make_unique<telemetry::Metrics>(options.service);
  auto app = make_service_app(options.service, config, options, *rs->metrics_, rs->faults_);
  if (!app) return app.error();
  rs->app_ = std::move(*app);
  if (auto added = rs->app_->add_routes(rs->router_); !added) return added.error();

  ServiceApp* raw_app = rs->app_.get();
  http::ServiceOptions pipeline_options{
      .service = options.service,
      .replica = options.replica,
      .admin_token = options.admin_token,
      .access_log = config.log.access_log,
      .ready = [raw_app] { return raw_app->ready(); },
      .health_detail = [raw_app](boost::json::object& out) { raw_app->describe_health(out); },
  };
  rs->pipeline_ = std::make_unique<http::HttpService>(std::move(pipeline_options), rs->router_, *rs->metrics_,
                                                      rs->faults_);
  if (auto sealed = rs->pipeline_->seal(); !sealed) return sealed.error();

  http::ServerOptions server_options{
      .host = options.host,
      .port = options.port,
      .threads = config.http.threads,
      .header_limit = config.http.header_limit,
      .read_timeout = config.http.read_timeout,
      .idle_timeout = config.http.idle_timeout,
      .write_timeout = config.http.write_timeout,
      .drain_timeout = config.http.drain_timeout,
      .max_connections = config.http.max_connections,
  };
  rs->server_ = std::make_unique<http::Server>(server_options, *rs->pipeline_);
  if (auto listening = rs->server_->listen(); !listening) return listening.error();
  rs->app_->start(*rs->server_);
  faults::Registry* faults = &rs->faults_;
  rs->server_->on_stop([raw_app, faults] {
    faults->shut_down();  // nothing injected may hold the drain
    raw_app->stop();
  });
  return rs;
}

RunningService::~RunningService() {
  if (server_) {
    server_->stop();
    server_->join();
  }
  if (app_) app_->stop();
  // The app's timers and clients belong to the server's io_contexts: they
  // must go before the contexts do.
  app_.reset();
  server_.reset();
}

}  // namespace cafe::app
