//! `/plain` answers a constant (what the runtime costs); `/d1` runs one trivial D1 query
//! (what one D1 round trip costs); `/d1-session` runs it in a D1 session that may start on
//! any replica and answers its bookmark, as every read of edgedrop does (locally, Miniflare's
//! D1 reads the storage's current bookmark for each query of a session); `/d1-write` runs one D1 batch of the shape a share visit
//! needs (an insert, a conditional update, a read, in one transaction), for context.

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match req.path().as_str() {
        "/plain" => Response::ok("ok"),
        "/d1" => {
            let one: Option<i64> = env.d1("DB")?.prepare("SELECT 1 AS one").first(Some("one")).await?;
            Response::ok(one.unwrap_or_default().to_string())
        }
        "/d1-session" => {
            let session = env.d1("DB")?.with_session(Some("first-unconstrained"))?;
            let one: Option<i64> = session.prepare("SELECT 1 AS one").first(Some("one")).await?;
            let mut response = Response::ok(one.unwrap_or_default().to_string())?;
            if let Some(bookmark) = session.get_bookmark()? {
                response.headers_mut().set("x-bookmark", &bookmark)?;
            }
            Ok(response)
        }
        "/d1-write" => {
            let db = env.d1("DB")?;
            let now = wasm_bindgen::JsValue::from_f64(js_sys_now());
            let results = db
                .batch(vec![
                    db.prepare("INSERT INTO visits (at) VALUES (?1)").bind(&[now])?,
                    db.prepare("UPDATE counters SET n = n + 1 WHERE id = 1 RETURNING n"),
                    db.prepare("SELECT n FROM counters WHERE id = 1"),
                ])
                .await?;
            Response::ok(results.len().to_string())
        }
        _ => Response::error("not found", 404),
    }
}

fn js_sys_now() -> f64 {
    worker::Date::now().as_millis() as f64
}
