//! The API fuzzed from its own OpenAPI document by schemathesis: every operation, signed
//! in, with a fixed seed. Any 5xx, any answer that does not match the document, any valid
//! request refused or invalid one accepted fails the test.

use crate::harness::{repo_root, tools_bin, Stack};

#[tokio::test]
async fn the_api_holds_up_to_a_thousand_generated_requests_and_matches_its_document() {
    // No quota: a generated size that does not fit would be a legitimate 413 the fuzzer
    // cannot tell from a refusal of valid input.
    let stack = Stack::start(&[("QUOTA_BYTES", Some("0"))]);
    let user = stack.user().await;
    let token = user.client.token.clone().unwrap();
    let schemathesis = tools_bin().parent().unwrap().join("venv/bin/schemathesis");
    assert!(schemathesis.exists(), "no schemathesis at {}: run `make test`", schemathesis.display());
    let output = tokio::process::Command::new(&schemathesis)
        .arg("--config-file")
        .arg(repo_root().join("tests/schemathesis.toml"))
        .arg("run")
        .arg(format!("{}/openapi.json", stack.base))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--seed", "20261125", "--max-examples", "50", "--workers", "1"])
        .args(["--max-redirects", "0", "--request-timeout", "30"])
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(&stack.dir)
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "schemathesis found problems:\n{report}");
    // The summary says e.g. "1368 generated, 1368 passed, 26 skipped".
    let generated: usize = report
        .lines()
        .find(|line| line.contains(" generated,"))
        .and_then(|line| line.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    assert!(generated >= 1000, "only {generated} requests were generated:\n{report}");
}
