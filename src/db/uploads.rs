//! Pending direct uploads (`uploads`): the client sends the bytes straight to the bucket,
//! and the row says what file they will become. Its object is on the ledger until a file
//! row owns it.

use crate::model::Id;
use serde::Deserialize;

/// A pending direct upload.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadRow {
    pub id: String,
    pub file_id: String,
    pub object_key: String,
    pub name: String,
    pub folder: String,
    pub content_type: String,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The values a new pending direct upload is made of.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub id: &'a Id,
    pub owner: &'a Id,
    pub file: &'a Id,
    pub object_key: &'a str,
    pub name: &'a str,
    pub folder: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub part_size: i64,
    pub multipart_id: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
}

pub(super) mod sql {
    use super::NewUpload;
    use crate::db::Statement;
    use crate::model::Id;

    const UPLOAD_COLUMNS: &str =
        "id, file_id, object_key, name, folder, content_type, size, part_size, multipart_id, created_at, expires_at";

    /// A pending direct upload.
    pub fn insert_upload(upload: &NewUpload<'_>) -> Statement {
        Statement::new(
            "INSERT INTO uploads (id, owner_id, file_id, object_key, name, folder, content_type, size, part_size, \
             multipart_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            args![
                upload.id,
                upload.owner,
                upload.file,
                upload.object_key,
                upload.name,
                upload.folder,
                upload.content_type,
                upload.size,
                upload.part_size,
                upload.multipart_id,
                upload.now,
                upload.expires_at
            ],
        )
    }

    /// One of the user's pending direct uploads.
    pub fn upload(owner: &Id, id: &Id) -> Statement {
        Statement::new(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ? AND owner_id = ?"), args![id, owner])
    }
}

#[cfg(target_arch = "wasm32")]
mod calls {
    use super::{sql, NewUpload, UploadRow};
    use crate::db::ledger;
    use crate::db::runner::at;
    use crate::db::Db;
    use crate::error::ApiError;
    use crate::model::Id;

    impl Db {
        /// Records a pending direct upload (and its multipart upload id on the ledger).
        pub async fn create_upload(&self, upload: NewUpload<'_>) -> Result<(), ApiError> {
            let mut statements = vec![sql::insert_upload(&upload)];
            if let Some(multipart_id) = upload.multipart_id {
                statements.push(ledger::sql::note_multipart(upload.object_key, multipart_id));
            }
            self.batch(statements).await.map(drop)
        }

        /// One of the user's pending direct uploads; 404 `upload_not_found` otherwise.
        pub async fn upload(&self, owner: &Id, id: &Id) -> Result<UploadRow, ApiError> {
            let results = self.batch_as(owner, vec![sql::upload(owner, id)]).await?;
            at(&results, 0)?.first()?.ok_or(ApiError::UploadNotFound)
        }
    }
}

/// A sample call of every builder in [`sql`], for the plan check.
#[cfg(test)]
pub(super) fn samples() -> Vec<super::Statement> {
    let id = Id::from_trusted("0123456789abcdef0123456789abcdef".into());
    let upload = NewUpload {
        id: &id,
        owner: &id,
        file: &id,
        object_key: "k",
        name: "a",
        folder: "/",
        content_type: "text/plain",
        size: 1,
        part_size: 1,
        multipart_id: None,
        now: 0,
        expires_at: 1,
    };
    vec![sql::insert_upload(&upload), sql::upload(&id, &id)]
}

#[cfg(test)]
mod tests {
    use crate::db::testing::{assert_no_table_scans, assert_samples_complete};

    #[test]
    fn every_statement_is_sampled_and_none_scans_a_table() {
        assert_samples_complete(include_str!("uploads.rs"));
        assert_no_table_scans(&super::samples());
    }
}
