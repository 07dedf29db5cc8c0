//! The route tables: every path the server answers behind a credential,
//! with its method, the least role it needs, what it does and its
//! handler. The router is built from these tables and nothing else, the
//! role check reads them, and the OpenAPI document is made from [`ROUTES`],
//! so the three cannot disagree.

use super::{Shared, api, console};
use crate::store::api_tokens::Role;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::json;

/// Largest component an upload may carry.
pub const MAX_UPLOAD: usize = 64 << 20;

/// One route: what it is, the role it needs and what serves it.
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path, `{name}` for a path parameter.
    pub path: &'static str,
    /// The least role that may call it.
    pub role: Role,
    /// What it does.
    pub summary: &'static str,
    /// Its handler.
    handler: fn() -> MethodRouter<Shared>,
}

/// The JSON API: each route needs `Authorization: Bearer <token>`.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/integrations",
        role: Role::Read,
        summary: "Each integration with its connector, schedule, next due time and last run",
        handler: || get(api::integrations),
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/runs",
        role: Role::Operate,
        summary: "Start a sync (query dry_run=true for the plan only); 202 with the run number, or 202 queued when another run holds the integration",
        handler: || post(api::start_run),
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/absences",
        role: Role::Operate,
        summary: "Start an absence export of a period (query from, to as YYYY-MM-DD, dry_run); 202 with the run number",
        handler: || post(api::start_absences),
    },
    Route {
        method: "GET",
        path: "/api/integrations/{name}/links",
        role: Role::Read,
        summary: "The employees of a view (query state: connected, not-connected, all) with what each lacks",
        handler: || get(api::links),
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/links",
        role: Role::Operate,
        summary: "Connect an HR employee (id or number) to a target employee: body {\"hr\", \"target\"}",
        handler: || post(api::connect),
    },
    Route {
        method: "DELETE",
        path: "/api/integrations/{name}/links/{hr}",
        role: Role::Operate,
        summary: "Disconnect an HR employee (id or number)",
        handler: || delete(api::disconnect),
    },
    Route {
        method: "GET",
        path: "/api/integrations/{name}/suggestions",
        role: Role::Read,
        summary: "Proposed links for the not-connected employees (reads the target)",
        handler: || get(api::suggestions),
    },
    Route {
        method: "GET",
        path: "/api/runs",
        role: Role::Read,
        summary: "The 50 most recent runs",
        handler: || get(api::runs),
    },
    Route {
        method: "GET",
        path: "/api/runs/{id}",
        role: Role::Read,
        summary: "One run with its per-employee outcomes (the masked before → after plan) and journal",
        handler: || get(api::run),
    },
    Route {
        method: "GET",
        path: "/api/connectors",
        role: Role::Read,
        summary: "The loaded connector versions, which is active and which integrations run each",
        handler: || get(api::connectors),
    },
    Route {
        method: "POST",
        path: "/api/connectors",
        role: Role::Admin,
        summary: "Upload a component (the body, at most 64 MiB): checked, compiled into the cache, loaded; query activate=true to make it active",
        handler: || post(api::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
    },
    Route {
        method: "POST",
        path: "/api/connectors/{name}/{version}/activate",
        role: Role::Admin,
        summary: "Make a loaded version the active one (the next runs take it; runs in flight keep theirs)",
        handler: || post(api::activate),
    },
    Route {
        method: "POST",
        path: "/api/connectors/{name}/rollback",
        role: Role::Admin,
        summary: "Make the version active before the current one active again",
        handler: || post(api::rollback),
    },
    Route {
        method: "POST",
        path: "/api/connectors/{name}/{version}/shadow",
        role: Role::Operate,
        summary: "Dry-run a version beside the active one for an integration (query integration) and answer where their plans differ, field by field",
        handler: || post(api::shadow),
    },
    Route {
        method: "GET",
        path: "/metrics",
        role: Role::Read,
        summary: "Prometheus metrics: runs, writes, target requests, connector call time, runs in flight and queued",
        handler: || get(super::metrics::metrics),
    },
];

/// The web console's pages and forms: each needs the session cookie that
/// signing in with a token sets ([`console`]).
pub const PAGES: &[Route] = &[
    Route {
        method: "GET",
        path: "/",
        role: Role::Read,
        summary: "Integrations with their next run and last outcome",
        handler: || get(console::integrations::page),
    },
    Route {
        method: "POST",
        path: "/integrations/{name}/runs",
        role: Role::Operate,
        summary: "Start a sync or a dry run",
        handler: || post(console::integrations::start_run),
    },
    Route {
        method: "POST",
        path: "/integrations/{name}/absences",
        role: Role::Operate,
        summary: "Start an absence export of a period",
        handler: || post(console::integrations::start_absences),
    },
    Route {
        method: "GET",
        path: "/integrations/{name}/links",
        role: Role::Read,
        summary: "Not connected / Connected / All, with connect and disconnect",
        handler: || get(console::links::page),
    },
    Route {
        method: "POST",
        path: "/integrations/{name}/links",
        role: Role::Operate,
        summary: "Connect an HR employee to a target employee",
        handler: || post(console::links::connect),
    },
    Route {
        method: "POST",
        path: "/integrations/{name}/links/{hr}/disconnect",
        role: Role::Operate,
        summary: "Disconnect an HR employee",
        handler: || post(console::links::disconnect),
    },
    Route {
        method: "GET",
        path: "/integrations/{name}/suggestions",
        role: Role::Read,
        summary: "Proposed links, each with a connect button",
        handler: || get(console::links::suggestions),
    },
    Route {
        method: "GET",
        path: "/runs",
        role: Role::Read,
        summary: "Recent runs",
        handler: || get(console::runs::list),
    },
    Route {
        method: "GET",
        path: "/runs/{id}",
        role: Role::Read,
        summary: "A run: per-employee outcomes and the masked plan",
        handler: || get(console::runs::page),
    },
    Route {
        method: "GET",
        path: "/connectors",
        role: Role::Read,
        summary: "Connector versions with upload, activate, rollback and shadow plan",
        handler: || get(console::connectors::page),
    },
    Route {
        method: "POST",
        path: "/connectors",
        role: Role::Admin,
        summary: "Upload a component",
        handler: || post(console::connectors::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD + (1 << 20))),
    },
    Route {
        method: "POST",
        path: "/connectors/{name}/{version}/activate",
        role: Role::Admin,
        summary: "Activate a version",
        handler: || post(console::connectors::activate),
    },
    Route {
        method: "POST",
        path: "/connectors/{name}/rollback",
        role: Role::Admin,
        summary: "Roll back to the version active before",
        handler: || post(console::connectors::rollback),
    },
    Route {
        method: "POST",
        path: "/connectors/{name}/{version}/shadow",
        role: Role::Operate,
        summary: "Shadow plan of a version for an integration",
        handler: || post(console::connectors::shadow),
    },
];

/// A router serving `table`, every route with its handler.
pub(super) fn router(table: &[Route]) -> axum::Router<Shared> {
    table.iter().fold(axum::Router::new(), |router, route| router.route(route.path, (route.handler)()))
}

/// The role `method` on the matched `path` of `table` needs; a path not in
/// the table needs admin (the router serves none).
pub(super) fn role_for(table: &[Route], method: &str, path: &str) -> Role {
    table.iter().find(|r| r.method == method && r.path == path).map_or(Role::Admin, |r| r.role)
}

/// The OpenAPI 3.0 document of the API, made from [`ROUTES`].
pub fn openapi() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let parameters: Vec<serde_json::Value> = route
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let operation = json!({
            "summary": route.summary,
            "description": format!("Needs a token with the {:?} role or above.", route.role),
            "parameters": parameters,
            "security": [{ "bearer": [] }],
            "responses": {
                "200": { "description": "done" },
                "202": { "description": "started; follow GET /api/runs/{id}" },
                "401": { "description": "no known token" },
                "403": { "description": "the token lacks the role" },
                "404": { "description": "no such integration or run" },
            },
        });
        let entry = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
        entry[route.method.to_ascii_lowercase()] = operation;
    }
    paths.insert(
        "/healthz".into(),
        json!({ "get": { "summary": "Liveness: ok", "responses": { "200": { "description": "ok" } } } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": { "title": "paybridge", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
    })
}
