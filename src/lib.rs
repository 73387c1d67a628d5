//! edgedrop: an edge-deployed file service on Cloudflare Workers.
//!
//! Plain-Rust modules (tested natively with `cargo test`) hold the logic; the modules that
//! talk to the JS runtime (D1, `fetch`, the request and response objects) compile only for
//! wasm32 and stay thin.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod form_upload;
pub mod input;
pub mod listing;
pub mod model;
pub mod random;
pub mod router;
pub mod session;
pub mod share_page;
pub mod storage;
pub mod views;
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod routes;
#[cfg(target_arch = "wasm32")]
pub mod service;

/// The Worker's entry point: every HTTP request.
#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
pub async fn fetch(req: web_sys::Request, env: worker::Env, ctx: worker::Context) -> worker::Result<worker::Response> {
    Ok(routes::handle(routes::Request::new(req), env, ctx).await)
}

/// The Cron Trigger entry point (see `[triggers]` in wrangler.toml): sweeps orphaned objects.
#[cfg(target_arch = "wasm32")]
#[worker::event(scheduled)]
pub async fn scheduled(_event: worker::ScheduledEvent, env: worker::Env, _ctx: worker::ScheduleContext) {
    routes::scheduled(env).await;
}

/// The events queue's consumer (see `[[queues.consumers]]` in wrangler.toml): writes a batch
/// of events in one D1 batch. It never fails: a batch that could not be written is retried.
#[cfg(target_arch = "wasm32")]
#[worker::event(queue)]
pub async fn queue(batch: worker::MessageBatch<String>, env: worker::Env, _ctx: worker::Context) -> worker::Result<()> {
    routes::queue(batch, env).await;
    Ok(())
}
