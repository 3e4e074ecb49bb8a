//! The OpenAPI 3.1 document of `/api/v1`, built from the same route table
//! as the router ([`super::api::routes`]): each route's request body, query
//! parameters and 200 answer are the JSON Schemas (schemars, draft 2020-12,
//! which OpenAPI 3.1 uses as is) of the types its handler reads and writes,
//! collected under `components/schemas`.

use serde_json::{Value, json};

/// The statuses every route may answer, with why.
const COMMON: &[(u16, &str)] = &[
    (401, "Not signed in, or the token is unknown."),
    (
        403,
        "The role may not do this, or a form lacks its CSRF token.",
    ),
    (404, "No such item, or one this user may not see."),
    (422, "The request is malformed."),
];

fn why(status: u16) -> &'static str {
    match status {
        409 => "It conflicts with the item's state, or the thing exists already.",
        429 => "Too many requests: the model's queue is full; try again shortly.",
        503 => "A dependency is missing (no model loaded).",
        _ => COMMON
            .iter()
            .find(|(s, _)| *s == status)
            .map_or("An error.", |(_, w)| w),
    }
}

/// The query parameters of an object schema: one per property.
fn parameters(query: &Value, defs: &serde_json::Map<String, Value>) -> Vec<Value> {
    // A reference to a component: look the object up.
    let object = match query.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .rsplit('/')
            .next()
            .and_then(|name| defs.get(name))
            .unwrap_or(query),
        None => query,
    };
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    object
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, schema)| {
                    let mut p = json!({
                        "name": name, "in": "query",
                        "required": required.contains(&name.as_str()),
                        "schema": schema,
                    });
                    if let Some(d) = schema.get("description") {
                        p["description"] = d.clone();
                    }
                    p
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let error = json!({"$ref": "#/components/responses/Error"});
    let routes = super::api::routes();
    let mut ops = Vec::with_capacity(routes.len());
    for r in &routes {
        let response = (r.response)(&mut generator).to_value();
        let mut responses = serde_json::Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "OK", "content": {"application/json": {"schema": response}}}),
        );
        for status in COMMON.iter().map(|(s, _)| *s).chain(r.also.iter().copied()) {
            let mut e = error.clone();
            e["description"] = why(status).into();
            responses.insert(status.to_string(), e);
        }
        let mut op = json!({
            "summary": r.summary,
            "security": [{"bearer": []}, {"session": []}],
            "responses": responses,
        });
        if let Some(body) = r.request {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {
                "schema": body(&mut generator).to_value()}}});
        }
        let query = r.query.map(|q| q(&mut generator).to_value());
        ops.push((r, op, query));
    }
    let defs = generator.take_definitions(true);
    let mut paths = serde_json::Map::new();
    for (r, mut op, query) in ops {
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}))
            .collect();
        if let Some(q) = &query {
            params.extend(parameters(q, &defs));
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "ar-triage", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": defs,
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
