//! Collection links (a set of files, or a folder and what is below it): listing what one
//! holds, a page at a time, for its visitors. Creating, editing and counting them is the
//! shares' business ([`super::shares`]); listing counts nothing.

use super::App;
use crate::db::collections::ItemsAfter;
use crate::domain::page_of;
use crate::error::ApiError;
use crate::listing::{Cursor, KeyValue, Order, SortKey};
use crate::views::{CollectionView, ItemView};

/// The files a landing page shows at once (and the default page of the JSON listing).
pub const PAGE: u32 = 100;

/// The right to list a collection: only [`App::resolve_share`] and the landing page make
/// one, once the link was found live and its password (if any) was given.
pub struct CollectionAccess {
    token_hash: String,
    kind: String,
    name: String,
}

impl CollectionAccess {
    pub(super) fn new(token_hash: String, kind: String, name: String) -> Self {
        CollectionAccess { token_hash, kind, name }
    }
}

/// A cursor's key: the folder and the folded name, apart by a NUL (which neither may hold).
fn cursor_key(folder: &str, name_folded: &str) -> KeyValue {
    KeyValue::Text(format!("{folder}\u{0}{name_folded}"))
}

fn not_a_collection_cursor() -> ApiError {
    ApiError::invalid("cursor", "is not a cursor of this link")
}

impl App {
    /// A page (`limit` files) of what the collection holds now, by folder and name; counts
    /// nothing.
    pub async fn collection_page(
        &self,
        access: &CollectionAccess,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<CollectionView, ApiError> {
        let key = self.cursor_key();
        let after = match cursor.map(|text| key.decode(text)).transpose()? {
            None => None,
            Some(Cursor { sort: SortKey::Name, order: Order::Asc, key: KeyValue::Text(text), id }) => {
                let (folder, name_folded) = text.split_once('\u{0}').ok_or_else(not_a_collection_cursor)?;
                Some(ItemsAfter { folder: folder.to_owned(), name_folded: name_folded.to_owned(), id })
            }
            Some(_) => return Err(not_a_collection_cursor()),
        };
        let mut rows = self
            .db
            .collection_items(&access.token_hash, &access.kind, self.now, after.as_ref(), i64::from(limit) + 1)
            .await?;
        let next_cursor = page_of(&mut rows, limit as usize).map(|last| {
            key.encode(&Cursor {
                sort: SortKey::Name,
                order: Order::Asc,
                key: cursor_key(&last.folder, &last.name_folded),
                id: last.id.clone(),
            })
        });
        Ok(CollectionView {
            kind: access.kind.clone(),
            name: access.name.clone(),
            items: rows.into_iter().map(ItemView::from).collect(),
            next_cursor,
        })
    }
}
