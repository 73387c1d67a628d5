//! The bucket: SigV4-signed S3 requests (header-signed calls and presigned URLs) and,
//! on wasm32, the `fetch` calls that send them ([`Bucket`]).
//!
//! Everything here speaks path-style S3 (`{endpoint}/{bucket}/{key}`), which Backblaze B2,
//! R2, AWS S3, MinIO, Garage and s3s-fs all understand. No `x-amz-checksum-*` header is
//! ever sent: B2 refuses them.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningInstructions, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::time::{Duration, SystemTime};

mod xml;
pub use xml::{complete_multipart_body, completion_outcome, parse_list_parts, xml_elements, xml_value};

#[cfg(target_arch = "wasm32")]
mod bucket;
#[cfg(target_arch = "wasm32")]
pub use bucket::Bucket;

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
    /// query parameter already in `url` (such as `response-content-disposition`) is signed,
    /// and so are `headers`: a request through the URL must send them with these values
    /// (a signed `content-length` binds an upload to exactly that many bytes).
    pub fn presign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        now: SystemTime,
        ttl_seconds: u32,
    ) -> Result<String, String> {
        let mut settings = s3_settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(ttl_seconds.into()));
        let instructions = self.instructions(method, url, headers, SignableBody::UnsignedPayload, now, settings)?;
        Ok(with_signature_params(url, instructions))
    }

    /// A presigned PUT of exactly `length` bytes to `url` (an object, or one part of a
    /// multipart upload): the store refuses any other length, so an upload URL can never
    /// store more than was reserved for it.
    pub fn presign_upload(&self, url: &str, length: u64, now: SystemTime, ttl_seconds: u32) -> Result<String, String> {
        self.presign("PUT", url, &[("content-length", &length.to_string())], now, ttl_seconds)
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
        let instructions = self.instructions(method, url, headers, body, now, settings)?;
        applied(method, url, headers, instructions)
    }

    /// What SigV4 adds to the request (headers or query parameters, per `settings`).
    fn instructions(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: SignableBody<'_>,
        now: SystemTime,
        settings: SigningSettings,
    ) -> Result<SigningInstructions, String> {
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
        Ok(sign(signable, &params).map_err(|e| format!("signing failed: {e}"))?.into_parts().0)
    }
}

/// The request with SigV4's `instructions` applied the crate's own way (for header-signed
/// calls, which are few: it prints and parses the URI three times over).
fn applied(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    instructions: SigningInstructions,
) -> Result<SignedRequest, String> {
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

/// `url` with the query parameters of a query-signed request appended, each value encoded
/// as SigV4 encodes it. Done by hand rather than by `apply_to_request_http1x`, which parses
/// and prints the whole URI three times over: this is on every download.
fn with_signature_params(url: &str, instructions: SigningInstructions) -> String {
    let (_headers, params) = instructions.into_parts();
    let mut signed = String::with_capacity(url.len() + 320);
    signed.push_str(url);
    let mut separator = if url.contains('?') { '&' } else { '?' };
    for (name, value) in params {
        signed.push(separator);
        separator = '&';
        signed.extend(utf8_percent_encode(name, SIGV4_UNRESERVED));
        signed.push('=');
        signed.extend(utf8_percent_encode(&value, SIGV4_UNRESERVED));
    }
    signed
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
    disposition("attachment", name)
}

/// An RFC 6266 disposition of `kind` (`attachment` or `inline`) for a file called `name`.
fn disposition(kind: &str, name: &str) -> String {
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
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

/// A presigned GET of `key` whose response is an attachment (or, `inline`, shown in the
/// browser) called `name` of type `content_type`; both `response-*` parameters are covered
/// by the signature.
pub fn presigned_download_url(
    config: &BucketConfig,
    key: &str,
    name: &str,
    content_type: &str,
    inline: bool,
    now: SystemTime,
    ttl_seconds: u32,
) -> Result<String, String> {
    let kind = if inline { "inline" } else { "attachment" };
    let query = format!(
        "response-content-disposition={}&response-content-type={}",
        encode_query_value(&disposition(kind, name)),
        encode_query_value(content_type)
    );
    config.presign("GET", &config.object_url(key, &query), &[], now, ttl_seconds)
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
            .presign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", &[], may_24_2013(), 86_400)
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

    /// The hand-appended signature parameters are exactly what aws-sigv4's own way of
    /// applying them (parsing and printing the URI) makes of the same instructions.
    #[test]
    fn presigned_urls_are_what_the_signer_itself_would_print() {
        let config = aws_example("us-west-004");
        let download =
            presigned_download_url(&config, "u/x/ÿ é.bin", "Ünï cödé;,/?.pdf", "a/b; c=d", false, may_24_2013(), 300);
        let url = config.object_url("u/x/ÿ é.bin", "response-content-type=a%2Fb");
        for (method, url, headers) in
            [("GET", url.as_str(), &[][..]), ("PUT", url.as_str(), &[("content-length", "42")][..])]
        {
            let mut settings = s3_settings();
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(300));
            let instructions = config
                .instructions(method, url, headers, SignableBody::UnsignedPayload, may_24_2013(), settings)
                .unwrap();
            let by_the_crate = applied(method, url, headers, instructions).unwrap().url;
            assert_eq!(config.presign(method, url, headers, may_24_2013(), 300).unwrap(), by_the_crate);
        }
        assert!(download.unwrap().contains("X-Amz-Signature="));
    }

    #[test]
    fn upload_urls_sign_their_exact_length() {
        let config = aws_example("us-east-1");
        let url = |length| {
            config.presign_upload(
                "https://examplebucket.s3.amazonaws.com/k?partNumber=2&uploadId=u",
                length,
                may_24_2013(),
                60,
            )
        };
        let five = url(5).unwrap();
        assert!(five.contains("X-Amz-SignedHeaders=content-length%3Bhost"), "{five}");
        assert!(five.contains("partNumber=2") && five.contains("uploadId=u"), "{five}");
        assert_ne!(five, url(6).unwrap(), "another length is another signature");
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
        let url =
            presigned_download_url(&config, "u/1/2", "a b\"c;é.txt", "text/plain", false, may_24_2013(), 300).unwrap();
        assert!(url.contains("response-content-disposition=attachment%3B%20filename%3D%22a%20b_c%3B_.txt%22"), "{url}");
        assert!(url.contains("response-content-type=text%2Fplain"), "{url}");
        // Changing a signed parameter must change the signature.
        let other =
            presigned_download_url(&config, "u/1/2", "other.txt", "text/plain", false, may_24_2013(), 300).unwrap();
        let inline =
            presigned_download_url(&config, "u/1/2", "other.txt", "text/plain", true, may_24_2013(), 300).unwrap();
        assert!(inline.contains("response-content-disposition=inline%3B%20filename%3D%22other.txt%22"), "{inline}");
        assert_ne!(inline, other, "the disposition is signed");
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
    fn the_secret_key_is_never_printed() {
        assert!(!format!("{:?}", aws_example("r")).contains("EXAMPLEKEY"));
    }
}
