//! Streaming a `multipart/form-data` upload into the bucket with bounded memory.
//!
//! The file part's length is unknown until it ends, and B2 refuses chunked bodies, so
//! the bytes are cut into parts of [`PART_SIZE`]: a file that fits in one part is stored
//! with a single PUT of known length, a larger one as an S3 multipart upload. At most one
//! part is held in memory at a time, whatever the file's size.

use crate::domain::files::FormFields;
use crate::domain::uploads::PART_SIZE;
use crate::error::ApiError;
use bytes::Bytes;
use futures_util::Stream;

/// Largest text field (`name`, `folder`) accepted beside the file.
const MAX_TEXT_FIELD: usize = 4096;

/// Where the bytes of an upload go: one object, written whole or in numbered parts.
#[allow(async_fn_in_trait)] // Only ever used by concrete types on one thread.
pub trait ObjectWriter {
    /// Stores the whole object at once.
    async fn put_whole(&mut self, bytes: Vec<u8>) -> Result<(), ApiError>;
    /// Stores part `number` (from 1) of a multipart upload, starting it first if needed.
    async fn put_part(&mut self, number: u32, bytes: Vec<u8>) -> Result<(), ApiError>;
    /// Joins the parts stored so far into the object.
    async fn complete(&mut self) -> Result<(), ApiError>;
    /// Gives up: removes whatever was stored (best effort).
    async fn abort(&mut self);
}

/// Cuts a byte stream of unknown length into parts for an [`ObjectWriter`].
pub struct PartCutter {
    buffer: Vec<u8>,
    parts_sent: u32,
    total: u64,
    limit: u64,
    part_size: usize,
}

impl PartCutter {
    /// A cutter that refuses more than `limit` bytes in all.
    pub fn new(limit: u64, part_size: usize) -> Self {
        PartCutter { buffer: Vec::new(), parts_sent: 0, total: 0, limit, part_size }
    }

    /// Bytes taken so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Takes the next chunk, sending full parts on to `writer`.
    pub async fn feed(&mut self, chunk: &[u8], writer: &mut impl ObjectWriter) -> Result<(), ApiError> {
        self.total += chunk.len() as u64;
        if self.total > self.limit {
            return Err(ApiError::PayloadTooLarge { limit: self.limit });
        }
        let mut rest = chunk;
        while !rest.is_empty() {
            let room = self.part_size - self.buffer.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.buffer.extend_from_slice(now);
            rest = later;
            // A full part is only sent once more bytes exist, so that the last part is
            // never empty and a file of exactly one part is a single PUT.
            if self.buffer.len() == self.part_size && !rest.is_empty() {
                self.send_part(writer).await?;
            }
        }
        Ok(())
    }

    async fn send_part(&mut self, writer: &mut impl ObjectWriter) -> Result<(), ApiError> {
        self.parts_sent += 1;
        let part = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.part_size));
        writer.put_part(self.parts_sent, part).await
    }

    /// Stores what is left: as a single object if no part went out yet, else as the last part.
    pub async fn finish(mut self, writer: &mut impl ObjectWriter) -> Result<u64, ApiError> {
        if self.parts_sent == 0 {
            writer.put_whole(std::mem::take(&mut self.buffer)).await?;
        } else {
            self.send_part(writer).await?;
            writer.complete().await?;
        }
        Ok(self.total)
    }
}

/// The boundary of a `multipart/form-data` content type.
pub fn form_boundary(content_type: &str) -> Result<String, ApiError> {
    multer::parse_boundary(content_type)
        .map_err(|_| ApiError::UnsupportedMediaType("multipart/form-data needs a boundary parameter.".into()))
}

fn form_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::StreamSizeExceeded { limit } | multer::Error::FieldSizeExceeded { limit, .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        multer::Error::StreamReadFailed(why) => ApiError::invalid("file", format!("the upload was cut short: {why}")),
        other => ApiError::invalid("file", format!("malformed multipart body: {other}")),
    }
}

/// Reads a multipart body, writing its one `file` part through `writer` (at most `limit`
/// bytes) and collecting the text fields. On any error the stored bytes are aborted.
pub async fn receive_form<S, E>(
    body: S,
    boundary: String,
    limit: u64,
    writer: &mut impl ObjectWriter,
) -> Result<FormFields, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let mut fields = FormFields::default();
    let mut cutter: Option<PartCutter> = None;
    let outcome = read_fields(body, boundary, limit, writer, &mut fields, &mut cutter).await;
    let stored = match (outcome, cutter) {
        (Ok(()), Some(cutter)) => cutter.finish(writer).await,
        (Ok(()), None) => Err(ApiError::invalid("file", "the form has no 'file' part")),
        (Err(e), _) => Err(e),
    };
    match stored {
        Ok(size) => {
            fields.size = size;
            Ok(fields)
        }
        Err(e) => {
            writer.abort().await;
            Err(e)
        }
    }
}

async fn read_fields<S, E>(
    body: S,
    boundary: String,
    limit: u64,
    writer: &mut impl ObjectWriter,
    fields: &mut FormFields,
    cutter: &mut Option<PartCutter>,
) -> Result<(), ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let mut form = multer::Multipart::new(body, boundary);
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        match field.name() {
            Some("file") => {
                if cutter.is_some() {
                    return Err(ApiError::invalid("file", "the form has more than one 'file' part"));
                }
                fields.file_name = file_name_of(&field)?;
                fields.content_type = field.content_type().map(|m| m.to_string());
                let cut = cutter.insert(PartCutter::new(limit, usize::try_from(PART_SIZE).unwrap_or(usize::MAX)));
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    cut.feed(&chunk, writer).await?;
                }
            }
            Some(text @ ("name" | "folder")) => {
                let text = text.to_owned();
                let value = read_text(&mut field, &text).await?;
                let slot = if text == "name" { &mut fields.name } else { &mut fields.folder };
                if slot.replace(value).is_some() {
                    return Err(ApiError::invalid(text, "is given more than once"));
                }
            }
            // Unknown fields are read and dropped, as HTML forms may add their own.
            _ => while field.chunk().await.map_err(form_error)?.is_some() {},
        }
    }
    Ok(())
}

/// The `filename` of a part; an error when one is present but is not UTF-8.
fn file_name_of(field: &multer::Field<'_>) -> Result<Option<String>, ApiError> {
    let declared = field
        .headers()
        .get(http::header::CONTENT_DISPOSITION)
        .is_some_and(|v| v.as_bytes().windows(9).any(|w| w.eq_ignore_ascii_case(b"filename=")));
    match field.file_name() {
        Some(name) => Ok(Some(decode_form_filename(name))),
        None if declared => Err(ApiError::invalid("file", "the file name is not valid UTF-8")),
        None => Ok(None),
    }
}

/// A part's `filename` as the person named the file. Browsers (the HTML standard's
/// multipart/form-data encoding) and curl write `"` as `%22`, CR as `%0D` and LF as `%0A`, and
/// leave every other character alone, `%` included; so exactly those three escapes are
/// decoded (hex in either case), in one pass: `%2522` stays `%2522`. A decoded CR or LF is
/// then refused with the name, like any control character. Clients that escape with a
/// backslash instead (`\"`, as reqwest does) are already decoded by the multipart parser.
fn decode_form_filename(raw: &str) -> String {
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('%') {
        decoded.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 3).map(str::to_ascii_uppercase);
        let replacement = match escape.as_deref() {
            Some("22") => Some('"'),
            Some("0D") => Some('\r'),
            Some("0A") => Some('\n'),
            _ => None,
        };
        match replacement {
            Some(c) => {
                decoded.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                decoded.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

async fn read_text(field: &mut multer::Field<'_>, name: &str) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD {
            return Err(ApiError::invalid(name, format!("must be at most {MAX_TEXT_FIELD} bytes")));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid(name, "is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::files::FileMeta;
    use futures_util::stream;

    /// Records what would have reached the bucket.
    #[derive(Default, Debug)]
    struct Recorder {
        whole: Option<Vec<u8>>,
        parts: Vec<(u32, Vec<u8>)>,
        completed: bool,
        aborted: bool,
    }

    impl ObjectWriter for Recorder {
        async fn put_whole(&mut self, bytes: Vec<u8>) -> Result<(), ApiError> {
            self.whole = Some(bytes);
            Ok(())
        }
        async fn put_part(&mut self, number: u32, bytes: Vec<u8>) -> Result<(), ApiError> {
            self.parts.push((number, bytes));
            Ok(())
        }
        async fn complete(&mut self) -> Result<(), ApiError> {
            self.completed = true;
            Ok(())
        }
        async fn abort(&mut self) {
            self.aborted = true;
        }
    }

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file_name, content) in parts {
            body.extend_from_slice(b"--XyZ\r\n");
            match file_name {
                Some(f) => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes()),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    }

    /// Delivers `body` in chunks of `size` bytes, as a network would.
    fn chunked(body: Vec<u8>, size: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let chunks: Vec<_> = body.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        stream::iter(chunks)
    }

    async fn receive(body: Vec<u8>, limit: u64) -> (Result<FormFields, ApiError>, Recorder) {
        let mut recorder = Recorder::default();
        let result = receive_form(chunked(body, 7), "XyZ".into(), limit, &mut recorder).await;
        (result, recorder)
    }

    #[tokio::test]
    async fn a_small_file_is_one_put_with_its_fields_in_any_order() {
        let body =
            form(&[("file", Some(r#"a \"b\".txt"#), b"hello"), ("folder", None, b"/docs"), ("name", None, b"x.txt")]);
        let (fields, recorder) = receive(body, 100).await;
        let fields = fields.unwrap();
        assert_eq!(recorder.whole.as_deref(), Some(&b"hello"[..]));
        assert!(recorder.parts.is_empty());
        assert_eq!(fields.file_name.as_deref(), Some("a \"b\".txt"));
        assert_eq!((fields.folder.as_deref(), fields.name.as_deref(), fields.size), (Some("/docs"), Some("x.txt"), 5));
        assert_eq!(fields.content_type.as_deref(), Some("text/plain"));
    }

    #[tokio::test]
    async fn large_files_are_cut_into_parts_with_a_non_empty_last_part() {
        let mut cutter = PartCutter::new(1000, 4);
        let mut recorder = Recorder::default();
        for chunk in [&b"abc"[..], b"defgh", b"ij", b"kl"] {
            cutter.feed(chunk, &mut recorder).await.unwrap();
        }
        assert_eq!(cutter.finish(&mut recorder).await.unwrap(), 12);
        let parts: Vec<_> = recorder.parts.iter().map(|(n, b)| (*n, String::from_utf8(b.clone()).unwrap())).collect();
        assert_eq!(parts, [(1, "abcd".into()), (2, "efgh".into()), (3, "ijkl".into())]);
        assert!(recorder.completed && recorder.whole.is_none());
    }

    #[tokio::test]
    async fn exactly_one_part_is_a_single_put() {
        let mut cutter = PartCutter::new(1000, 4);
        let mut recorder = Recorder::default();
        cutter.feed(b"abcd", &mut recorder).await.unwrap();
        cutter.finish(&mut recorder).await.unwrap();
        assert_eq!(recorder.whole.as_deref(), Some(&b"abcd"[..]));
        assert!(recorder.parts.is_empty() && !recorder.completed);
    }

    #[tokio::test]
    async fn too_large_files_are_refused_and_aborted() {
        let (result, recorder) = receive(form(&[("file", Some("a"), &[b'x'; 101])]), 100).await;
        assert_eq!(result.unwrap_err(), ApiError::PayloadTooLarge { limit: 100 });
        assert!(recorder.aborted && recorder.whole.is_none());
    }

    #[tokio::test]
    async fn forms_without_exactly_one_file_part_are_refused() {
        let (none, _) = receive(form(&[("folder", None, b"/a")]), 100).await;
        assert_eq!(none.unwrap_err().problem().field.as_deref(), Some("file"));
        let (two, recorder) = receive(form(&[("file", Some("a"), b"1"), ("file", Some("b"), b"2")]), 100).await;
        assert_eq!(two.unwrap_err().problem().field.as_deref(), Some("file"));
        assert!(recorder.aborted);
    }

    #[tokio::test]
    async fn file_names_that_are_not_utf8_are_refused() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bad\xff.txt\"\r\n\r\nhi\r\n--XyZ--\r\n".to_vec();
        let (result, _) = receive(std::mem::take(&mut body), 100).await;
        let problem = result.unwrap_err().problem();
        assert_eq!(problem.field.as_deref(), Some("file"));
        assert!(problem.detail.contains("UTF-8"), "{}", problem.detail);
    }

    #[tokio::test]
    async fn truncated_bodies_are_refused() {
        let mut body = form(&[("file", Some("a"), b"hello world")]);
        body.truncate(body.len() - 12);
        let (result, recorder) = receive(body, 100).await;
        assert_eq!(result.unwrap_err().problem().status, 422);
        assert!(recorder.aborted);
    }

    #[test]
    fn browser_escapes_in_filenames_are_decoded_and_nothing_else() {
        for (raw, name) in [
            ("my %22draft%22.txt", "my \"draft\".txt"),
            ("%22%22", "\"\""),
            ("a%0Db%0ac%0d%0A", "a\rb\nc\r\n"),
            // Other escapes are not the browsers' (they never encode `%` itself): left as typed.
            ("100%25.txt", "100%25.txt"),
            ("%41%2a%2F", "%41%2a%2F"),
            // One pass: what a decoded escape leaves is not decoded again.
            ("%2522", "%2522"),
            ("%%22", "%\""),
            // A `%` too close to the end, or before a multi-byte character, is kept.
            ("50%", "50%"),
            ("x%2", "x%2"),
            ("%é2", "%é2"),
            ("%2é", "%2é"),
            ("é%22ü", "é\"ü"),
            ("", ""),
            ("plain.txt", "plain.txt"),
        ] {
            assert_eq!(decode_form_filename(raw), name, "{raw:?}");
        }
    }

    #[tokio::test]
    async fn a_percent_encoded_quote_in_a_filename_arrives_as_a_quote() {
        let body = form(&[("file", Some("my %22draft%22.txt"), b"hello")]);
        let (fields, _) = receive(body, 100).await;
        assert_eq!(fields.unwrap().file_name.as_deref(), Some("my \"draft\".txt"));
        let body = form(&[("file", Some("two%0Alines.txt"), b"hello")]);
        let (fields, _) = receive(body, 100).await;
        let name = fields.unwrap().file_name.unwrap();
        assert_eq!(name, "two\nlines.txt");
        // The line break is then refused, naming the file part, like any control character.
        let meta = FileMeta::from_form(
            &FormFields { file_name: Some(name), ..FormFields::default() },
            crate::domain::files::FormDefaults::default(),
        );
        assert_eq!(meta.unwrap_err().problem().field.as_deref(), Some("file"));
    }

    #[test]
    fn boundaries_are_required() {
        assert_eq!(form_boundary("multipart/form-data; boundary=abc").unwrap(), "abc");
        assert_eq!(form_boundary("multipart/form-data").unwrap_err().problem().status, 415);
    }
}
