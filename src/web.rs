//! The web app's pages: which paths are the app, what the static assets are answered with,
//! and the security headers every page carries. The files themselves are Workers static
//! assets (`dist/`, built from `web/`); the Worker runs first for every request so that API
//! routes win and every page gets these headers.

/// Paths the single-page app answers itself; any other unknown page is its 404 view.
pub const APP_PATHS: [&str; 7] = ["/", "/account", "/admin", "/links", "/login", "/register", "/upload-requests"];

/// Whether `path` is one of the app's own pages (an upload request's link, `/request/{token}`,
/// is the guest upload page).
pub fn is_app_path(path: &str) -> bool {
    APP_PATHS.contains(&path)
        || path.strip_prefix("/request/").is_some_and(|token| !token.is_empty() && !token.contains('/'))
}

/// The Content-Security-Policy of the app's pages: only its own scripts and styles, network
/// access to this origin plus the bucket that direct uploads `PUT` their parts to, and
/// previews (images, audio, video, PDF in a frame) from exactly the bucket's origin.
pub fn app_csp(bucket_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: {bucket_origin}; \
         media-src {bucket_origin}; frame-src {bucket_origin}; connect-src 'self' {bucket_origin}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The Content-Security-Policy of the server-rendered share page: no script at all, the
/// app's stylesheet, and a form that posts here and is redirected to the bucket.
pub fn share_page_csp(bucket_origin: &str) -> String {
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' {bucket_origin}; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// The Content-Security-Policy of a collection's landing page: the share page's, plus the
/// one script of Download all (`/share-zip.js`, from this origin), which reads the files from
/// the bucket (and nothing else) and streams the zip through its service worker, started by
/// a hidden frame of this origin.
pub fn collection_page_csp(bucket_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {bucket_origin}; worker-src 'self'; frame-src 'self'; \
         form-action 'self' {bucket_origin}; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Headers every page and asset carries, besides its CSP.
pub const SECURITY_HEADERS: [(&str, &str); 3] =
    [("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY")];

/// How long browsers may keep an asset: Vite's `/assets/` files have content hashes in
/// their names, so they never change; everything else is revalidated on each use.
pub fn cache_control(path: &str) -> &'static str {
    if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_pages_are_app_paths() {
        for path in APP_PATHS {
            assert!(is_app_path(path));
        }
        assert!(is_app_path("/request/abc"));
        for path in ["/index.html", "/login/", "/files", "/nope", "", "/request/", "/request/a/files"] {
            assert!(!is_app_path(path), "{path}");
        }
    }

    #[test]
    fn the_app_may_reach_its_bucket_but_nothing_else_and_cannot_be_framed() {
        let csp = app_csp("https://s3.us-west-004.backblazeb2.com");
        assert!(csp.contains("connect-src 'self' https://s3.us-west-004.backblazeb2.com;"), "{csp}");
        for media in ["media-src", "frame-src"] {
            assert!(csp.contains(&format!("{media} https://s3.us-west-004.backblazeb2.com;")), "{csp}");
        }
        assert!(csp.contains("img-src 'self' data: blob: https://s3.us-west-004.backblazeb2.com;"), "{csp}");
        assert!(csp.contains("script-src 'self';"));
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(csp.ends_with("frame-ancestors 'none'"));
        let share = share_page_csp("https://b2.example");
        assert!(!share.contains("script-src") && share.starts_with("default-src 'none'"), "{share}");
        let collection = collection_page_csp("https://b2.example");
        assert!(collection.starts_with("default-src 'none'; script-src 'self';") && !collection.contains("unsafe"));
        assert!(collection.contains("connect-src 'self' https://b2.example;"), "{collection}");
        assert!(share.contains("form-action 'self' https://b2.example;"), "{share}");
        assert!(collection.contains("form-action 'self' https://b2.example;"), "{collection}");
    }

    #[test]
    fn only_hashed_assets_are_cached_for_long() {
        assert_eq!(cache_control("/assets/index-3f2a.js"), "public, max-age=31536000, immutable");
        assert_eq!(cache_control("/"), "no-cache");
        assert_eq!(cache_control("/app.css"), "no-cache");
    }
}
