//! Webhooks (`webhooks`): the owner's statements (create within the limit, list, delete)
//! and the events consumer's (who hears an event, where a delivery goes, disabling).

use serde::Deserialize;

/// A row of `webhooks`, as its owner sees it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    /// Space-separated event names.
    pub events: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
}

const WEBHOOK_COLUMNS: &str = "id, url, events, created_at, disabled_at, disabled_reason";

/// Where a delivery goes and how it is signed.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryTarget {
    pub url: String,
    pub secret_seed: String,
    pub disabled_at: Option<i64>,
}

/// A webhook that hears a visit written by a consumer batch.
#[derive(Debug, Clone, Deserialize)]
pub struct VisitSubscriber {
    pub webhook_id: String,
    pub visit_id: String,
}

/// The values a new webhook row is made of.
pub struct NewWebhook<'a> {
    pub id: &'a str,
    pub owner: &'a crate::model::Id,
    pub url: &'a str,
    pub events: &'a str,
    pub secret_seed: &'a str,
    pub now: i64,
    pub max_per_owner: i64,
}

/// `events LIKE` this: the event's name as a whole word of the space-separated list.
pub(crate) fn word(event: &str) -> String {
    format!("% {event} %")
}

/// The condition that a live webhook of the account `owner` (an SQL expression) hears the
/// event whose [`word`] is bound at `event_word` (a parameter); one seek of
/// `webhooks_by_owner`.
pub(crate) fn heard(owner: &str, event_word: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM webhooks w WHERE w.owner_id = {owner} AND w.disabled_at IS NULL \
         AND (' ' || w.events || ' ') LIKE {event_word})"
    )
}

pub(super) mod sql {
    use super::{word, NewWebhook, WEBHOOK_COLUMNS};
    use crate::db::Statement;
    use crate::model::Id;

    /// A webhook of `owner`'s, unless they have `max_per_owner` already (no row then).
    pub fn insert_webhook(new: &NewWebhook<'_>) -> Statement {
        Statement::new(
            &format!(
                "INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT count(*) FROM webhooks WHERE owner_id = ?2) < ?7 \
                 RETURNING {WEBHOOK_COLUMNS}"
            ),
            args![new.id, new.owner, new.url, new.events, new.secret_seed, new.now, new.max_per_owner],
        )
    }

    /// `owner`'s webhooks, oldest first.
    pub fn webhooks_of(owner: &Id) -> Statement {
        Statement::new(
            &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE owner_id = ? ORDER BY created_at, id"),
            args![owner],
        )
    }

    /// Deletes one of `owner`'s webhooks (a row when it existed).
    pub fn delete_webhook(owner: &Id, id: &Id) -> Statement {
        Statement::new("DELETE FROM webhooks WHERE id = ? AND owner_id = ? RETURNING id", args![id, owner])
    }

    /// The live webhooks that hear `event` of `owner`, or of the owner of share `share`.
    pub fn subscribers(owner: Option<&str>, share: Option<&str>, event: &str) -> Statement {
        Statement::new(
            "SELECT id FROM webhooks WHERE owner_id = coalesce(?1, (SELECT s.owner_id FROM shares s WHERE s.id = ?2)) \
             AND disabled_at IS NULL \
             AND (' ' || events || ' ') LIKE ?3",
            args![owner, share, word(event)],
        )
    }

    /// The live webhooks hearing `share.accessed` of each visit this consumer batch (`?1`)
    /// wrote now, among the visits `?2` (a JSON array of ids).
    pub fn visit_subscribers(batch: &str, ids_json: String) -> Statement {
        Statement::new(
            "SELECT w.id AS webhook_id, r.id AS visit_id FROM visit_receipts r \
             JOIN shares s ON s.id = r.share_id JOIN webhooks w ON w.owner_id = s.owner_id \
             WHERE r.id IN (SELECT value FROM json_each(?2)) AND r.batch = ?1 AND w.disabled_at IS NULL \
             AND (' ' || w.events || ' ') LIKE ?3",
            args![batch, ids_json, word("share.accessed")],
        )
    }

    /// Where webhook `id`'s deliveries go.
    pub fn delivery_target(id: &str) -> Statement {
        Statement::new("SELECT url, secret_seed, disabled_at FROM webhooks WHERE id = ?", args![id])
    }

    /// Disables webhook `id` (if it is not already), saying why.
    pub fn disable_webhook(id: &str, now: i64, reason: &str) -> Statement {
        Statement::new(
            "UPDATE webhooks SET disabled_at = ?2, disabled_reason = ?3 WHERE id = ?1 AND disabled_at IS NULL",
            args![id, now, reason],
        )
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, DeliveryTarget, NewWebhook, WebhookRow};
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Creates a webhook; `None` when the owner has as many as they may.
        pub async fn create_webhook(&self, new: NewWebhook<'_>) -> Result<Option<WebhookRow>, ApiError> {
            let results = self.batch_as(new.owner, vec![sql::insert_webhook(&new)]).await?;
            at(&results, 0)?.first()
        }

        /// The user's webhooks, oldest first.
        pub async fn webhooks_of(&self, owner: &Id) -> Result<Vec<WebhookRow>, ApiError> {
            at(&self.batch_as(owner, vec![sql::webhooks_of(owner)]).await?, 0)?.all()
        }

        /// Deletes one of the user's webhooks; 404 when there is no such webhook of theirs.
        pub async fn delete_webhook(&self, owner: &Id, id: &Id) -> Result<(), ApiError> {
            let results = self.batch_as(owner, vec![sql::delete_webhook(owner, id)]).await?;
            at(&results, 0)?.any().then_some(()).ok_or(ApiError::WebhookNotFound)
        }

        /// The ids of the live webhooks that hear `event` of `owner` (or of `share`'s owner).
        pub async fn subscribers(
            &self,
            owner: Option<&str>,
            share: Option<&str>,
            event: &str,
        ) -> Result<Vec<String>, ApiError> {
            #[derive(serde::Deserialize)]
            struct Row {
                id: String,
            }
            let rows: Vec<Row> = self.run(sql::subscribers(owner, share, event)).await?.all()?;
            Ok(rows.into_iter().map(|r| r.id).collect())
        }

        /// Where webhook `id`'s deliveries go; `None` once it is deleted.
        pub async fn delivery_target(&self, id: &str) -> Result<Option<DeliveryTarget>, ApiError> {
            self.run(sql::delivery_target(id)).await?.first()
        }

        /// Disables webhook `id`, saying why.
        pub async fn disable_webhook(&self, id: &str, now: i64, reason: &str) -> Result<(), ApiError> {
            self.run(sql::disable_webhook(id, now, reason)).await.map(drop)
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = crate::model::Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let new = NewWebhook {
        id: "w",
        owner: &id,
        url: "https://example.com",
        events: "file.uploaded",
        secret_seed: "s",
        now: 0,
        max_per_owner: 20,
    };
    vec![
        sql::insert_webhook(&new),
        sql::webhooks_of(&id),
        sql::delete_webhook(&id, &id),
        sql::subscribers(Some("u"), None, "file.uploaded"),
        sql::visit_subscribers("b", "[]".into()),
        sql::delivery_target("w"),
        sql::disable_webhook("w", 0, "r"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete, schema, texts};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("webhooks.rs"));
        assert_no_table_scans(&super::samples());
    }

    #[test]
    fn an_event_is_heard_by_the_owners_live_webhooks_that_name_it() {
        let db = schema();
        db.execute_batch(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u', 'u@example.com', 'x', 0), \
             ('v', 'v@example.com', 'x', 0); \
             INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, \
             updated_at) VALUES ('f', 'u', 'n', 'n', '/', 0, 'text/plain', 'k', 0, 0); \
             INSERT INTO shares (id, owner_id, file_id, token_hash, created_at) VALUES ('s', 'u', 'f', 'h', 0); \
             INSERT INTO webhooks (id, owner_id, url, events, secret_seed, created_at, disabled_at) VALUES \
             ('all', 'u', 'https://a', 'share.accessed file.uploaded file.deleted', 's', 0, NULL), \
             ('files', 'u', 'https://b', 'file.uploaded', 's', 1, NULL), \
             ('off', 'u', 'https://c', 'file.uploaded', 's', 2, 5), \
             ('other', 'v', 'https://d', 'file.uploaded share.accessed', 's', 3, NULL);",
        )
        .unwrap();
        let mut heard = texts(&db, &super::sql::subscribers(Some("u"), None, "file.uploaded"));
        heard.sort();
        assert_eq!(heard, ["all", "files"]);
        assert_eq!(texts(&db, &super::sql::subscribers(None, Some("s"), "share.accessed")), ["all"]);
        assert!(texts(&db, &super::sql::subscribers(Some("u"), None, "file")).is_empty(), "whole names only");
    }
}
