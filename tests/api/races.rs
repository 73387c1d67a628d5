//! Many clients at once: counters add up exactly and limits hold.

use crate::harness::{fresh_ip, Client, Stack, User};
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn fifty_visitors_racing_for_ten_downloads_get_exactly_ten() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("limited.txt", "/", b"only ten").await;
    let id = file["id"].as_str().unwrap();
    let share = owner.client.post_json(&format!("/files/{id}/share"), &json!({ "max_downloads": 10 })).await.json();
    let path = format!("/share/{}", share["token"].as_str().unwrap());
    let visitors: Vec<_> = (0..50)
        .map(|_| {
            let client = stack.client();
            let path = path.clone();
            tokio::spawn(async move { client.get(&path).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for visitor in visitors {
        statuses.push(visitor.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 302).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 410).count(), 40, "{statuses:?}");
    assert_eq!(owner.client.get(&format!("/files/{id}/shares")).await.json()["items"][0]["download_count"], 10);
}

#[tokio::test]
async fn twenty_uploads_and_twenty_listings_at_once_all_succeed_and_add_up() {
    let stack = Stack::shared();
    let user = stack.user().await;
    let uploads: Vec<_> = (1..=20usize)
        .map(|i| {
            let client = user.client.clone();
            tokio::spawn(async move {
                let answer = client
                    .post_bytes(
                        &format!("/files/upload?name=file-{i}.bin&folder=/race"),
                        "application/octet-stream",
                        vec![7; i * 100],
                    )
                    .await;
                (answer.status, answer.text())
            })
        })
        .collect();
    let listings: Vec<_> = (0..20)
        .map(|_| {
            let client = user.client.clone();
            tokio::spawn(async move { client.get("/files?folder=/race&limit=1000").await.status })
        })
        .collect();
    for upload in uploads {
        let (status, body) = upload.await.unwrap();
        assert_eq!(status, 201, "{body}");
    }
    for listing in listings {
        assert_eq!(listing.await.unwrap(), 200);
    }
    let listed = user.client.get("/files?folder=/race&limit=1000").await.json();
    let names: HashSet<_> =
        listed["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names.len(), 20);
    let me = user.client.get("/auth/me").await.json();
    let expected_bytes: usize = (1..=20).map(|i| i * 100).sum();
    assert_eq!((me["file_count"].as_u64(), me["used_bytes"].as_u64()), (Some(20), Some(expected_bytes as u64)));
    assert_eq!(me["pending_bytes"], 0);
    assert_eq!(stack.objects_of(&user.id).len(), 20);
}

#[tokio::test]
async fn forty_wrong_passwords_at_once_get_at_most_ten_judged_round_after_round() {
    // Each round on a fresh stack: the limit's window is 15 minutes, and a single lucky
    // interleaving proves nothing, so the race runs several times.
    for round in 0..3 {
        let stack = Stack::start(&[]);
        let victim = stack.user().await;
        let attempts: Vec<_> = (0..40)
            .map(|_| {
                let client = stack.client();
                let body = json!({ "email": victim.email, "password": "not the password" });
                tokio::spawn(async move { client.post_json("/auth/login", &body).await.status })
            })
            .collect();
        let mut statuses = Vec::new();
        for attempt in attempts {
            statuses.push(attempt.await.unwrap());
        }
        let judged = statuses.iter().filter(|s| **s == 401).count();
        assert_eq!(judged, 10, "round {round}: exactly the limit is judged: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 30, "round {round}: {statuses:?}");
    }
}

/// A wrong guess at the password of the link at `path`, as JSON, from `client`: its status,
/// problem code and `Retry-After`.
async fn guess_share_password(client: &Client, path: &str, password: &str) -> (u16, String, Option<String>) {
    let request = client.request(reqwest::Method::POST, path).header("accept", "application/json");
    let answer = client.send(request.json(&json!({ "password": password }))).await;
    let code = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|body| body["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (answer.status, code, answer.header("retry-after"))
}

async fn protected_link(owner: &User, file: &str, body: serde_json::Value) -> (String, String) {
    let share = owner.client.post_json(&format!("/files/{file}/share"), &body).await;
    assert_eq!(share.status, 201, "{}", share.text());
    let share = share.json();
    (share["id"].as_str().unwrap().to_owned(), format!("/share/{}", share["token"].as_str().unwrap()))
}

#[tokio::test]
async fn forty_wrong_share_passwords_from_forty_clients_get_exactly_ten_judged_round_after_round() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("vault.txt", "/", b"secret").await;
    let file = file["id"].as_str().unwrap();
    // A fresh link each round (the per-link window is 15 minutes), forty clients each with
    // an address of its own, so only the per-link limit can stop them.
    for round in 0..5 {
        let (share, path) = protected_link(&owner, file, json!({ "password": "the real one" })).await;
        let attempts: Vec<_> = (0..40)
            .map(|_| {
                let client = stack.client_at(&fresh_ip());
                let path = path.clone();
                tokio::spawn(async move { guess_share_password(&client, &path, "a wrong guess").await })
            })
            .collect();
        let mut answers = Vec::new();
        for attempt in attempts {
            answers.push(attempt.await.unwrap());
        }
        let judged = answers.iter().filter(|(s, c, _)| *s == 401 && c == "invalid_share_password").count();
        let refused: Vec<_> = answers.iter().filter(|(s, c, _)| *s == 429 && c == "rate_limited").collect();
        assert_eq!(judged, 10, "round {round}: exactly the limit is judged: {answers:?}");
        assert_eq!(refused.len(), 30, "round {round}: {answers:?}");
        assert!(refused.iter().all(|(_, _, retry)| retry.is_some()), "round {round}: {answers:?}");

        // They were forty clients to the Worker: each judged guess is logged under its own pseudonym.
        let log = owner.client.get(&format!("/files/{file}/shares/{share}/accesses?limit=1000")).await.json();
        let pseudonyms: HashSet<_> =
            log["items"].as_array().unwrap().iter().map(|e| e["ip_hash"].to_string()).collect();
        assert_eq!(pseudonyms.len(), 10, "round {round}: {log}");
    }
}

#[tokio::test]
async fn one_client_guessing_at_many_links_at_once_gets_fifty_judged() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("vaults.txt", "/", b"secret").await;
    let file = file["id"].as_str().unwrap();
    let mut paths = Vec::new();
    for _ in 0..6 {
        paths.push(protected_link(&owner, file, json!({ "password": "the real one" })).await.1);
    }
    // Ten guesses at each of six links, all at once, from one client: every link stays
    // within its own limit, but the client may fail only fifty times.
    let client = stack.client_at(&fresh_ip());
    let attempts: Vec<_> = (0..60)
        .map(|i| {
            let client = client.clone();
            let path = paths[i % 6].clone();
            tokio::spawn(async move { guess_share_password(&client, &path, "a wrong guess").await })
        })
        .collect();
    let mut answers = Vec::new();
    for attempt in attempts {
        answers.push(attempt.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|(s, _, _)| *s == 401).count(), 50, "{answers:?}");
    assert_eq!(answers.iter().filter(|(s, _, _)| *s == 429).count(), 10, "{answers:?}");
}

/// Thirty wrong passwords, sent one every few milliseconds, race the owner reviving the
/// dead protected link at `path` with `revive` midway: none may get the file, and no more
/// than the limit may be judged. Returns the answers.
async fn race_revival(
    stack: &Stack,
    owner: &User,
    file: &str,
    share: &str,
    path: &str,
    revive: serde_json::Value,
) -> Vec<(u16, String, Option<String>)> {
    let guesses: Vec<_> = (0..30u64)
        .map(|i| {
            let client = stack.client_at(&fresh_ip());
            let path = path.to_owned();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(3 * i)).await;
                guess_share_password(&client, &path, "a wrong guess").await
            })
        })
        .collect();
    let client = owner.client.clone();
    let patch_path = format!("/files/{file}/shares/{share}");
    let revived = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        client.patch_json(&patch_path, &revive).await.status
    });
    let mut answers = Vec::new();
    for guess in guesses {
        answers.push(guess.await.unwrap());
    }
    assert_eq!(revived.await.unwrap(), 200);
    assert!(
        answers.iter().all(|(status, _, _)| [401, 410, 429].contains(status)),
        "a wrong password got the file: {answers:?}"
    );
    let judged = answers.iter().filter(|(_, code, _)| code == "invalid_share_password").count();
    assert!(judged <= 10, "{answers:?}");
    answers
}

async fn downloads_of(owner: &User, file: &str, share: &str) -> i64 {
    let shares = owner.client.get(&format!("/files/{file}/shares")).await.json();
    let share = shares["items"].as_array().unwrap().iter().find(|s| s["id"] == share).unwrap().clone();
    share["download_count"].as_i64().unwrap()
}

#[tokio::test]
async fn wrong_passwords_never_open_a_dead_link_the_owner_revives_meanwhile() {
    let stack = Stack::shared();
    let owner = stack.user().await;
    let file = owner.client.upload("revived.txt", "/", b"secret").await;
    let file = file["id"].as_str().unwrap();
    let mut rounds = Vec::new();

    // Used up, then the owner raises the limit while wrong passwords arrive.
    for _ in 0..8 {
        let (share, path) =
            protected_link(&owner, file, json!({ "password": "the real one", "max_downloads": 1 })).await;
        let friend = stack.client_at(&fresh_ip());
        assert_eq!(guess_share_password(&friend, &path, "the real one").await.0, 200);
        rounds.push(race_revival(stack, &owner, file, &share, &path, json!({ "max_downloads": 1000 })).await);
        assert_eq!(downloads_of(&owner, file, &share).await, 1, "only the friend's download counts");
    }

    // Expired, then the owner extends it while wrong passwords arrive (eight links at once).
    let mut links = Vec::new();
    for _ in 0..8 {
        links.push(protected_link(&owner, file, json!({ "password": "the real one", "expires_in": 1 })).await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let races: Vec<_> = links
        .iter()
        .map(|(share, path)| race_revival(stack, &owner, file, share, path, json!({ "expires_in": 3600 })))
        .collect();
    rounds.extend(futures_util::future::join_all(races).await);
    for (share, _) in &links {
        assert_eq!(downloads_of(&owner, file, share).await, 0);
    }

    // The revival landed midway (guesses before it found the link gone, later ones did
    // not), or these rounds proved nothing.
    let midway = |answers: &Vec<(u16, String, Option<String>)>| {
        answers.iter().any(|(status, _, _)| *status == 410) && answers.iter().any(|(status, _, _)| *status != 410)
    };
    assert!(rounds.iter().any(midway), "{rounds:?}");
}
