//! The API describes itself, and its docs page works with no network.

use crate::harness::Stack;

#[tokio::test]
async fn a_developer_reads_the_openapi_document_and_the_offline_docs_page() {
    let stack = Stack::shared();
    let client = stack.client();
    let health = client.get("/healthz").await;
    assert_eq!((health.status, health.json()), (200, serde_json::json!({ "status": "ok" })));

    let doc = client.get("/openapi.json").await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/share/{token}"]["get"].is_object());

    let page = client.get("/docs").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").unwrap().contains("default-src 'self'"));
    let html = page.text();
    for asset in ["/swagger/swagger-ui.css", "/swagger/swagger-ui-bundle.js", "/swagger/init.js"] {
        assert!(html.contains(asset), "{asset}");
        let served = client.get(asset).await;
        assert_eq!(served.status, 200, "{asset} is served by the Worker's own assets");
        assert!(served.body.len() > 100, "{asset}");
    }
}
