//! Files: what a form upload is called and where it goes, from its fields, the query
//! string and the file part's own filename.

use crate::error::ApiError;
use crate::model::{ContentType, FileName, FolderPath};

/// What a form upload carried besides the file bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormFields {
    /// The `filename` of the `file` part.
    pub file_name: Option<String>,
    /// The `Content-Type` of the `file` part.
    pub content_type: Option<String>,
    /// The `name` text field.
    pub name: Option<String>,
    /// The `folder` text field.
    pub folder: Option<String>,
    /// Bytes stored.
    pub size: u64,
}

/// A form upload's name and folder from the query string, used when the form has none.
#[derive(Debug, Default)]
pub struct FormDefaults {
    pub name: Option<FileName>,
    pub folder: Option<FolderPath>,
}

/// What a file is called, where it lives, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    pub name: FileName,
    pub folder: FolderPath,
    pub content_type: ContentType,
}

impl FileMeta {
    /// From a form's fields: a `name` field wins over the query's, which wins over the file
    /// part's filename; a missing or unusable part type is stored as `application/octet-stream`.
    pub fn from_form(fields: &FormFields, defaults: FormDefaults) -> Result<Self, ApiError> {
        let name = match (&fields.name, defaults.name, &fields.file_name) {
            (Some(name), _, _) => FileName::parse(name, "name")?,
            (None, Some(name), _) => name,
            (None, None, Some(file_name)) => FileName::parse(file_name, "file")?,
            (None, None, None) => {
                return Err(ApiError::invalid("name", "give a 'name' field or a filename on the 'file' part"))
            }
        };
        let folder = match (&fields.folder, defaults.folder) {
            (Some(folder), _) => FolderPath::parse(folder, "folder")?,
            (None, Some(folder)) => folder,
            (None, None) => FolderPath::root(),
        };
        let content_type = fields
            .content_type
            .as_deref()
            .and_then(|c| ContentType::parse(c, "file").ok())
            .unwrap_or_else(ContentType::octet_stream);
        Ok(FileMeta { name, folder, content_type })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: Option<&str>, folder: Option<&str>, file_name: Option<&str>, kind: Option<&str>) -> FormFields {
        FormFields {
            name: name.map(str::to_owned),
            folder: folder.map(str::to_owned),
            file_name: file_name.map(str::to_owned),
            content_type: kind.map(str::to_owned),
            size: 0,
        }
    }

    fn defaults(name: Option<&str>, folder: Option<&str>) -> FormDefaults {
        FormDefaults {
            name: name.map(|n| FileName::parse(n, "name").unwrap()),
            folder: folder.map(|f| FolderPath::parse(f, "folder").unwrap()),
        }
    }

    #[test]
    fn the_name_field_wins_then_the_query_then_the_filename() {
        let all = fields(Some("field.txt"), None, Some("part.txt"), None);
        assert_eq!(FileMeta::from_form(&all, defaults(Some("query.txt"), None)).unwrap().name.as_str(), "field.txt");
        let no_field = fields(None, None, Some("part.txt"), None);
        let meta = FileMeta::from_form(&no_field, defaults(Some("query.txt"), None)).unwrap();
        assert_eq!(meta.name.as_str(), "query.txt");
        assert_eq!(FileMeta::from_form(&no_field, defaults(None, None)).unwrap().name.as_str(), "part.txt");
        let nothing = FileMeta::from_form(&fields(None, None, None, None), defaults(None, None)).unwrap_err();
        assert_eq!(nothing.problem().field.as_deref(), Some("name"));
    }

    #[test]
    fn the_folder_field_wins_over_the_query_and_the_root_is_the_default() {
        let meta = FileMeta::from_form(&fields(None, Some("/f"), Some("a"), None), defaults(None, Some("/q"))).unwrap();
        assert_eq!(meta.folder.as_str(), "/f");
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), None), defaults(None, Some("/q"))).unwrap();
        assert_eq!(meta.folder.as_str(), "/q");
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), None), defaults(None, None)).unwrap();
        assert_eq!(meta.folder.as_str(), "/");
        let bad = FileMeta::from_form(&fields(None, Some("no-slash"), Some("a"), None), defaults(None, None));
        assert_eq!(bad.unwrap_err().problem().field.as_deref(), Some("folder"));
    }

    #[test]
    fn a_bad_filename_names_the_file_part_and_a_bad_type_falls_back() {
        let bad = FileMeta::from_form(&fields(None, None, Some("a/b"), None), defaults(None, None)).unwrap_err();
        assert_eq!(bad.problem().field.as_deref(), Some("file"));
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), Some("not a type")), defaults(None, None));
        assert_eq!(meta.unwrap().content_type, ContentType::octet_stream());
        let meta = FileMeta::from_form(&fields(None, None, Some("a"), Some("image/png")), defaults(None, None));
        assert_eq!(meta.unwrap().content_type.as_str(), "image/png");
    }
}
