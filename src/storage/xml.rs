//! Reading and writing the few S3 XML documents the service needs (error codes, upload
//! ids, ListParts pages, the CompleteMultipartUpload body), without an XML library.

use crate::domain::uploads::StoredPart;
use crate::error::ApiError;

/// The value of `<tag>` in an S3 XML answer, with the five XML entities decoded.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Every `<tag>…</tag>` element's inner text, in order.
pub fn xml_elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let inner = &rest[start + open.len()..];
        let Some(end) = inner.find(&close) else { break };
        found.push(&inner[..end]);
        rest = &inner[end + close.len()..];
    }
    found
}

/// The parts in a ListParts answer, and the marker of the next page if it is truncated.
pub fn parse_list_parts(xml: &str) -> (Vec<StoredPart>, Option<String>) {
    let parts = xml_elements(xml, "Part")
        .into_iter()
        .filter_map(|part| {
            Some(StoredPart {
                part_number: xml_value(part, "PartNumber")?.trim().parse().ok()?,
                size: xml_value(part, "Size")?.trim().parse().ok()?,
                etag: xml_value(part, "ETag").filter(|e| !e.is_empty()),
            })
        })
        .collect();
    let truncated = xml_value(xml, "IsTruncated").is_some_and(|t| t.trim() == "true");
    (parts, xml_value(xml, "NextPartNumberMarker").filter(|_| truncated))
}

/// The body of a CompleteMultipartUpload request for `parts` (number, ETag), in order.
pub fn complete_multipart_body(parts: &[(u32, String)]) -> String {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        let etag = etag.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        xml.push_str(&format!("<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag></Part>"));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

/// What a CompleteMultipartUpload answer (`status`, body `xml`) means: `None` when the
/// upload was joined; the client's fault (422 on `parts`) when the bucket refused the parts
/// it named (ETags that are not the parts'), else a storage error. S3 may answer 200 with
/// an error document when completion fails late.
pub fn completion_outcome(status: u16, xml: &str) -> Option<ApiError> {
    let code = xml_value(xml, "Code").filter(|_| xml.contains("<Error>"));
    match code {
        None if (200..300).contains(&status) => None,
        Some(code) if code == "InvalidPart" || code == "InvalidPartOrder" => Some(ApiError::invalid(
            "parts",
            format!("the bucket refused the parts ({code}): give each part the ETag its upload answered"),
        )),
        code => Some(ApiError::Storage(format!("CompleteMultipartUpload: HTTP {status} {}", code.unwrap_or_default()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_completion_is_the_clients_fault_only_when_its_parts_were() {
        let error = |code: &str| format!("<Error><Code>{code}</Code><Message>m</Message></Error>");
        assert_eq!(completion_outcome(200, "<CompleteMultipartUploadResult/>"), None);
        for (status, code) in [(400, "InvalidPart"), (400, "InvalidPartOrder"), (200, "InvalidPart")] {
            let refused = completion_outcome(status, &error(code)).unwrap();
            assert_eq!((refused.problem().status, refused.problem().field.as_deref()), (422, Some("parts")));
        }
        for (status, body) in [(500, error("InternalError")), (200, error("SlowDown")), (503, String::new())] {
            assert!(matches!(completion_outcome(status, &body), Some(ApiError::Storage(_))), "{status} {body}");
        }
    }

    #[test]
    fn list_parts_answers_are_read_with_their_continuation() {
        let xml = "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>\
                   <Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag><Size>5242880</Size></Part>\
                   <Part><PartNumber>2</PartNumber><Size>7</Size></Part></ListPartsResult>";
        let (parts, next) = parse_list_parts(xml);
        assert_eq!(
            parts,
            [
                StoredPart { part_number: 1, size: 5_242_880, etag: Some("\"a\"".into()) },
                StoredPart { part_number: 2, size: 7, etag: None }
            ]
        );
        assert_eq!(next.as_deref(), Some("2"));
        let (_, last) = parse_list_parts("<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>");
        assert_eq!(last, None);
    }

    #[test]
    fn xml_values_are_read_and_decoded() {
        let xml = "<InitiateMultipartUploadResult><UploadId>a&amp;b</UploadId></InitiateMultipartUploadResult>";
        assert_eq!(xml_value(xml, "UploadId").as_deref(), Some("a&b"));
        assert_eq!(xml_value(xml, "Code"), None);
        assert_eq!(
            complete_multipart_body(&[(1, "\"e1\"".into())]),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part></CompleteMultipartUpload>"
        );
    }
}
