//! The OpenAPI 3.1 document of `/api/v1`, built from the same route table
//! as the router ([`super::api::routes`]).

use serde_json::{Value, json};

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in super::api::routes() {
        let mut op = json!({
            "summary": r.summary,
            "security": [{"bearer": []}, {"session": []}],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        });
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if r.method == "post" {
            op["requestBody"] = json!({"content": {"application/json": {}}});
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "ar-triage", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": super::auth::SESSION_COOKIE,
                    "description": "writes also need the session's token in the x-csrf-token header"},
            },
            "responses": {
                "Error": {"description": "An error", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}},
            },
        },
    })
}
