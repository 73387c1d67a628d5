//! The bucket: SigV4-signed S3 requests (header-signed calls and presigned URLs) and,
//! on wasm32, the `fetch` calls that send them.
//!
//! Everything here speaks path-style S3 (`{endpoint}/{bucket}/{key}`), which Backblaze B2,
//! R2, AWS S3, MinIO, Garage and s3s-fs all understand. No `x-amz-checksum-*` header is
//! ever sent: B2 refuses them.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::time::{Duration, SystemTime};

/// Characters SigV4 leaves unencoded: `A-Z a-z 0-9 - _ . ~`.
const SIGV4_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Where the bucket is and the key that may use it.
#[derive(Clone)]
pub struct BucketConfig {
    /// `scheme://host[:port]`, without a trailing slash.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    access_key: String,
    secret_key: String,
}

impl std::fmt::Debug for BucketConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketConfig")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

impl BucketConfig {
    /// Checks the endpoint and bucket and settles the region: given, or derived from a
    /// well-known endpoint host (B2, AWS S3, R2).
    pub fn new(
        endpoint: &str,
        region: Option<String>,
        bucket: String,
        access_key: String,
        secret_key: String,
    ) -> Result<Self, String> {
        let endpoint = endpoint.trim().trim_end_matches('/').to_owned();
        let host = endpoint
            .strip_prefix("https://")
            .or_else(|| endpoint.strip_prefix("http://"))
            .filter(|host| !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ']))
            .ok_or_else(|| {
                format!(
                    "B2_ENDPOINT {endpoint:?} is not an http(s) origin such as https://s3.us-west-004.backblazeb2.com"
                )
            })?;
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(format!("B2_BUCKET {bucket:?} is not a valid bucket name"));
        }
        let region = match region {
            Some(region) => region.trim().to_owned(),
            None => region_of_host(host)
                .ok_or_else(|| "B2_REGION is not set and cannot be derived from B2_ENDPOINT".to_owned())?,
        };
        Ok(BucketConfig { endpoint, region, bucket, access_key, secret_key })
    }

    /// The URL of `key` in the bucket, with an optional query string (already encoded).
    pub fn object_url(&self, key: &str, query: &str) -> String {
        let key =
            key.split('/').map(|s| utf8_percent_encode(s, SIGV4_UNRESERVED).to_string()).collect::<Vec<_>>().join("/");
        let separator = if query.is_empty() { "" } else { "?" };
        format!("{}/{}/{key}{separator}{query}", self.endpoint, self.bucket)
    }

    fn identity(&self) -> Identity {
        Credentials::new(&self.access_key, &self.secret_key, None, None, "config").into()
    }

    /// A presigned URL for `method` on `url`, valid for `ttl_seconds` from `now`. Every
    /// query parameter already in `url` (such as `response-content-disposition`) is signed.
    pub fn presign(&self, method: &str, url: &str, now: SystemTime, ttl_seconds: u32) -> Result<String, String> {
        let mut settings = s3_settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(ttl_seconds.into()));
        let signed = self.sign(method, url, &[], SignableBody::UnsignedPayload, now, settings)?;
        Ok(signed.url)
    }

    /// A header-signed request for `method` on `url`, with `headers` signed as well. The body
    /// is signed when given, else marked `UNSIGNED-PAYLOAD` (streamed bodies).
    pub fn sign_headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        now: SystemTime,
    ) -> Result<SignedRequest, String> {
        let mut settings = s3_settings();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let body = body.map_or(SignableBody::UnsignedPayload, SignableBody::Bytes);
        self.sign(method, url, headers, body, now, settings)
    }

    fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: SignableBody<'_>,
        now: SystemTime,
        settings: SigningSettings,
    ) -> Result<SignedRequest, String> {
        let identity = self.identity();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(now)
            .settings(settings)
            .build()
            .map_err(|e| format!("signing parameters: {e}"))?
            .into();
        let signable = SignableRequest::new(method, url, headers.iter().copied(), body)
            .map_err(|e| format!("unsignable request: {e}"))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|e| format!("signing failed: {e}"))?.into_parts();
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(()).map_err(|e| format!("bad request parts: {e}"))?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(SignedRequest {
            method: method.to_owned(),
            url: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
                .collect(),
        })
    }
}

/// SigV4 as S3 wants it: paths encoded once and never normalized.
fn s3_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    settings
}

/// The region a well-known S3 endpoint host names.
fn region_of_host(host: &str) -> Option<String> {
    let host = host.split(':').next().unwrap_or(host);
    if let Some(region) = host.strip_prefix("s3.").and_then(|rest| rest.strip_suffix(".backblazeb2.com")) {
        return Some(region.to_owned());
    }
    if host.ends_with(".r2.cloudflarestorage.com") {
        return Some("auto".to_owned());
    }
    host.strip_prefix("s3.")
        .and_then(|rest| rest.strip_suffix(".amazonaws.com"))
        .filter(|region| !region.contains('.'))
        .map(str::to_owned)
}

/// A request ready to send: the URL and every header the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Encodes a query-string value the way SigV4 canonicalizes it.
pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, SIGV4_UNRESERVED).to_string()
}

/// An RFC 6266 `attachment` disposition: an ASCII `filename` for old clients and the
/// exact UTF-8 name in `filename*`.
pub fn attachment_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if c.is_ascii() && !c.is_ascii_control() && !matches!(c, '"' | '\\' | '%') { c } else { '_' })
        .collect();
    const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let exact = utf8_percent_encode(name, ATTR_CHAR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

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

/// A part the bucket holds of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredPart {
    pub part_number: u32,
    pub size: u64,
    /// Absent when the store does not report it (s3s-fs does not).
    pub etag: Option<String>,
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

#[cfg(target_arch = "wasm32")]
pub use self::wasm::Bucket;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::*;
    use crate::error::ApiError;
    use worker::{Fetch, Headers, Method, Request, RequestInit, Response};

    /// The bucket, spoken to with signed `fetch` subrequests.
    pub struct Bucket<'a> {
        pub config: &'a BucketConfig,
        pub now: SystemTime,
    }

    fn storage_error(what: &str) -> impl Fn(worker::Error) -> ApiError + '_ {
        move |e| ApiError::Storage(format!("{what}: {e}"))
    }

    impl Bucket<'_> {
        /// Sends a signed request and returns the response, whatever its status.
        async fn send_raw(
            &self,
            signed: SignedRequest,
            body: Option<wasm_bindgen::JsValue>,
            what: &str,
        ) -> Result<Response, ApiError> {
            let headers = Headers::new();
            for (name, value) in &signed.headers {
                headers.set(name, value).map_err(storage_error(what))?;
            }
            let mut init = RequestInit::new();
            init.with_method(Method::from(signed.method.clone())).with_headers(headers).with_body(body);
            let request = Request::new_with_init(&signed.url, &init).map_err(storage_error(what))?;
            Fetch::Request(request).send().await.map_err(storage_error(what))
        }

        /// Sends a signed request; any status but 2xx is a storage error.
        async fn send(
            &self,
            signed: SignedRequest,
            body: Option<wasm_bindgen::JsValue>,
            what: &str,
        ) -> Result<Response, ApiError> {
            let mut response = self.send_raw(signed, body, what).await?;
            let status = response.status_code();
            if (200..300).contains(&status) {
                return Ok(response);
            }
            let text = response.text().await.unwrap_or_default();
            let code = xml_value(&text, "Code").unwrap_or_default();
            Err(ApiError::Storage(format!("{what}: HTTP {status} {code}")))
        }

        /// Streams `body` (of exactly `length` bytes) into the object `key`.
        pub async fn put_stream(
            &self,
            key: &str,
            body: wasm_bindgen::JsValue,
            length: u64,
            content_type: &str,
        ) -> Result<(), ApiError> {
            let url = self.config.object_url(key, "");
            let length = length.to_string();
            let signed = self
                .config
                .sign_headers(
                    "PUT",
                    &url,
                    &[("content-length", &length), ("content-type", content_type)],
                    None,
                    self.now,
                )
                .map_err(ApiError::Storage)?;
            self.send(signed, Some(body), "PutObject").await.map(drop)
        }

        /// Stores `bytes` as the object `key`.
        pub async fn put_bytes(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), ApiError> {
            let body = js_sys::Uint8Array::from(bytes);
            self.put_stream(key, body.into(), bytes.len() as u64, content_type).await
        }

        /// Deletes the object `key` (deleting a missing object succeeds).
        pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
            let url = self.config.object_url(key, "");
            let signed = self.config.sign_headers("DELETE", &url, &[], None, self.now).map_err(ApiError::Storage)?;
            self.send(signed, None, "DeleteObject").await.map(drop)
        }

        /// Starts a multipart upload of `key`, returning its upload id.
        pub async fn create_multipart(&self, key: &str, content_type: &str) -> Result<String, ApiError> {
            let url = self.config.object_url(key, "uploads=");
            let signed = self
                .config
                .sign_headers("POST", &url, &[("content-type", content_type)], None, self.now)
                .map_err(ApiError::Storage)?;
            let mut response = self.send(signed, None, "CreateMultipartUpload").await?;
            let xml = response.text().await.map_err(storage_error("CreateMultipartUpload"))?;
            xml_value(&xml, "UploadId").ok_or_else(|| ApiError::Storage("CreateMultipartUpload: no UploadId".into()))
        }

        /// Uploads part `number` of a multipart upload, returning its ETag.
        pub async fn upload_part(
            &self,
            key: &str,
            upload_id: &str,
            number: u32,
            bytes: &[u8],
        ) -> Result<String, ApiError> {
            let query = format!("partNumber={number}&uploadId={}", encode_query_value(upload_id));
            let url = self.config.object_url(key, &query);
            let length = bytes.len().to_string();
            let signed = self
                .config
                .sign_headers("PUT", &url, &[("content-length", &length)], None, self.now)
                .map_err(ApiError::Storage)?;
            let body = js_sys::Uint8Array::from(bytes);
            let response = self.send(signed, Some(body.into()), "UploadPart").await?;
            response.headers().get("etag").ok().flatten().ok_or_else(|| ApiError::Storage("UploadPart: no ETag".into()))
        }

        /// Completes a multipart upload from its parts (number, ETag), in order.
        pub async fn complete_multipart(
            &self,
            key: &str,
            upload_id: &str,
            parts: &[(u32, String)],
        ) -> Result<(), ApiError> {
            let url = self.config.object_url(key, &format!("uploadId={}", encode_query_value(upload_id)));
            let body = complete_multipart_body(parts);
            let signed = self
                .config
                .sign_headers("POST", &url, &[("content-type", "application/xml")], Some(body.as_bytes()), self.now)
                .map_err(ApiError::Storage)?;
            let mut response = self.send(signed, Some(body.into()), "CompleteMultipartUpload").await?;
            // S3 may answer 200 with an error document when completion fails late.
            let xml = response.text().await.map_err(storage_error("CompleteMultipartUpload"))?;
            match xml_value(&xml, "Code") {
                Some(code) if xml.contains("<Error>") => {
                    Err(ApiError::Storage(format!("CompleteMultipartUpload: {code}")))
                }
                _ => Ok(()),
            }
        }

        /// Abandons a multipart upload and the parts stored so far.
        pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), ApiError> {
            let url = self.config.object_url(key, &format!("uploadId={}", encode_query_value(upload_id)));
            let signed = self.config.sign_headers("DELETE", &url, &[], None, self.now).map_err(ApiError::Storage)?;
            self.send(signed, None, "AbortMultipartUpload").await.map(drop)
        }

        /// A presigned PUT of the whole object `key`.
        pub fn presign_put(&self, key: &str, ttl_seconds: u32) -> Result<String, ApiError> {
            self.config
                .presign("PUT", &self.config.object_url(key, ""), self.now, ttl_seconds)
                .map_err(ApiError::Internal)
        }

        /// A presigned PUT of part `number` of a multipart upload of `key`.
        pub fn presign_part(&self, key: &str, upload_id: &str, number: u32, ttl: u32) -> Result<String, ApiError> {
            let query = format!("partNumber={number}&uploadId={}", encode_query_value(upload_id));
            self.config.presign("PUT", &self.config.object_url(key, &query), self.now, ttl).map_err(ApiError::Internal)
        }

        /// The parts the bucket holds of a multipart upload, all pages of them.
        pub async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<StoredPart>, ApiError> {
            let mut parts = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let mut query = format!("max-parts=1000&uploadId={}", encode_query_value(upload_id));
                if let Some(marker) = &marker {
                    query = format!(
                        "max-parts=1000&part-number-marker={}&uploadId={}",
                        encode_query_value(marker),
                        encode_query_value(upload_id)
                    );
                }
                let url = self.config.object_url(key, &query);
                let signed = self.config.sign_headers("GET", &url, &[], None, self.now).map_err(ApiError::Storage)?;
                let mut response = self.send(signed, None, "ListParts").await?;
                let xml = response.text().await.map_err(storage_error("ListParts"))?;
                let (page, next) = parse_list_parts(&xml);
                parts.extend(page);
                match next {
                    Some(next) if marker.as_ref() != Some(&next) => marker = Some(next),
                    _ => return Ok(parts),
                }
            }
        }

        /// The size of the object `key`, or `None` when the bucket does not have it.
        pub async fn object_size(&self, key: &str) -> Result<Option<u64>, ApiError> {
            let url = self.config.object_url(key, "");
            let signed = self.config.sign_headers("HEAD", &url, &[], None, self.now).map_err(ApiError::Storage)?;
            let response = self.send_raw(signed, None, "HeadObject").await?;
            match response.status_code() {
                404 => Ok(None),
                200 => {
                    let length = response.headers().get("content-length").ok().flatten();
                    let size = length.and_then(|l| l.trim().parse().ok());
                    size.map(Some).ok_or_else(|| ApiError::Storage("HeadObject: no Content-Length".into()))
                }
                status => Err(ApiError::Storage(format!("HeadObject: HTTP {status}"))),
            }
        }

        /// A presigned GET of `key` whose response carries the given disposition and type.
        pub fn presign_download(
            &self,
            key: &str,
            name: &str,
            content_type: &str,
            ttl_seconds: u32,
        ) -> Result<String, ApiError> {
            presigned_download_url(self.config, key, name, content_type, self.now, ttl_seconds)
                .map_err(ApiError::Internal)
        }
    }
}

/// A presigned GET of `key` whose response is an attachment called `name` of type
/// `content_type`; both `response-*` parameters are covered by the signature.
pub fn presigned_download_url(
    config: &BucketConfig,
    key: &str,
    name: &str,
    content_type: &str,
    now: SystemTime,
    ttl_seconds: u32,
) -> Result<String, String> {
    let query = format!(
        "response-content-disposition={}&response-content-type={}",
        encode_query_value(&attachment_disposition(name)),
        encode_query_value(content_type)
    );
    config.presign("GET", &config.object_url(key, &query), now, ttl_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example credentials of AWS's SigV4 documentation.
    fn aws_example(region: &str) -> BucketConfig {
        BucketConfig::new(
            "https://examplebucket.s3.amazonaws.com",
            Some(region.into()),
            "examplebucket".into(),
            "AKIAIOSFODNN7EXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        )
        .unwrap()
    }

    fn may_24_2013() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600)
    }

    #[test]
    fn presigned_url_matches_the_published_aws_example() {
        // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example.
        let url = aws_example("us-east-1")
            .presign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", may_24_2013(), 86_400)
            .unwrap();
        assert!(url.starts_with("https://examplebucket.s3.amazonaws.com/test.txt?"), "{url}");
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request",
            "X-Amz-Date=20130524T000000Z",
            "X-Amz-Expires=86400",
            "X-Amz-SignedHeaders=host",
            "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
        ] {
            assert!(url.contains(part), "{part} missing from {url}");
        }
    }

    #[test]
    fn header_signature_matches_the_published_aws_get_object_example() {
        // "Authenticating Requests: Using the Authorization Header", GET Object example.
        let signed = aws_example("us-east-1")
            .sign_headers(
                "GET",
                "https://examplebucket.s3.amazonaws.com/test.txt",
                &[("range", "bytes=0-9")],
                Some(b""),
                may_24_2013(),
            )
            .unwrap();
        let authorization = &signed.headers.iter().find(|(n, _)| n == "authorization").unwrap().1;
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn streamed_bodies_are_signed_as_unsigned_payload_without_checksum_headers() {
        let signed = aws_example("us-east-1")
            .sign_headers(
                "PUT",
                "http://127.0.0.1:9000/examplebucket/u/a/b",
                &[("content-length", "5")],
                None,
                may_24_2013(),
            )
            .unwrap();
        let header = |name: &str| signed.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));
        assert!(signed
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("x-amz-checksum") && n != "x-amz-sdk-checksum-algorithm"));
    }

    #[test]
    fn download_urls_sign_their_response_parameters() {
        let config = aws_example("us-west-004");
        let url = presigned_download_url(&config, "u/1/2", "a b\"c;é.txt", "text/plain", may_24_2013(), 300).unwrap();
        assert!(url.contains("response-content-disposition=attachment%3B%20filename%3D%22a%20b_c%3B_.txt%22"), "{url}");
        assert!(url.contains("response-content-type=text%2Fplain"), "{url}");
        // Changing a signed parameter must change the signature.
        let other = presigned_download_url(&config, "u/1/2", "other.txt", "text/plain", may_24_2013(), 300).unwrap();
        let signature = |u: &str| u.split("X-Amz-Signature=").nth(1).unwrap().to_owned();
        assert_ne!(signature(&url), signature(&other));
    }

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_exact_utf8_name() {
        assert_eq!(
            attachment_disposition("résumé \"v2\"; x\\y%.pdf"),
            "attachment; filename=\"r_sum_ _v2_; x_y_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22%3B%20x%5Cy%25.pdf"
        );
    }

    #[test]
    fn regions_are_derived_from_well_known_endpoints_only() {
        assert_eq!(region_of_host("s3.us-west-004.backblazeb2.com").as_deref(), Some("us-west-004"));
        assert_eq!(region_of_host("s3.eu-central-1.amazonaws.com").as_deref(), Some("eu-central-1"));
        assert_eq!(region_of_host("abc.r2.cloudflarestorage.com").as_deref(), Some("auto"));
        assert_eq!(region_of_host("127.0.0.1:9000"), None);
        let err = BucketConfig::new("http://127.0.0.1:9000", None, "files".into(), "a".into(), "b".into()).unwrap_err();
        assert!(err.contains("B2_REGION"));
        assert!(BucketConfig::new("ftp://x", Some("r".into()), "files".into(), "a".into(), "b".into()).is_err());
        assert!(BucketConfig::new("http://x/path", Some("r".into()), "files".into(), "a".into(), "b".into()).is_err());
        assert!(BucketConfig::new("http://x", Some("r".into()), "Files_!".into(), "a".into(), "b".into()).is_err());
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
    fn the_secret_key_is_never_printed() {
        assert!(!format!("{:?}", aws_example("r")).contains("EXAMPLEKEY"));
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
