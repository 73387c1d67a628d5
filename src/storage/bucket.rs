//! The bucket, spoken to with SigV4-signed `fetch` subrequests (wasm32 only).

use super::{
    complete_multipart_body, completion_outcome, encode_query_value, parse_list_parts, presigned_download_url,
    xml_value, BucketConfig, SignedRequest,
};
use crate::domain::uploads::StoredPart;
use crate::error::ApiError;
use std::time::SystemTime;
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
            .sign_headers("PUT", &url, &[("content-length", &length), ("content-type", content_type)], None, self.now)
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
    pub async fn upload_part(&self, key: &str, upload_id: &str, number: u32, bytes: &[u8]) -> Result<String, ApiError> {
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
        let mut response = self.send_raw(signed, Some(body.into()), "CompleteMultipartUpload").await?;
        let xml = response.text().await.map_err(storage_error("CompleteMultipartUpload"))?;
        completion_outcome(response.status_code(), &xml).map_or(Ok(()), Err)
    }

    /// Abandons a multipart upload and the parts stored so far.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), ApiError> {
        let url = self.config.object_url(key, &format!("uploadId={}", encode_query_value(upload_id)));
        let signed = self.config.sign_headers("DELETE", &url, &[], None, self.now).map_err(ApiError::Storage)?;
        self.send(signed, None, "AbortMultipartUpload").await.map(drop)
    }

    /// A presigned PUT of the whole object `key`, of exactly `length` bytes.
    pub fn presign_put(&self, key: &str, length: u64, ttl_seconds: u32) -> Result<String, ApiError> {
        let url = self.config.object_url(key, "");
        self.config.presign_upload(&url, length, self.now, ttl_seconds).map_err(ApiError::Internal)
    }

    /// A presigned PUT of part `number` of a multipart upload of `key`, of exactly `length`
    /// bytes. It dies with the multipart upload: once that is completed or aborted, the
    /// store refuses the part.
    pub fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        length: u64,
        ttl: u32,
    ) -> Result<String, ApiError> {
        let query = format!("partNumber={number}&uploadId={}", encode_query_value(upload_id));
        let url = self.config.object_url(key, &query);
        self.config.presign_upload(&url, length, self.now, ttl).map_err(ApiError::Internal)
    }

    /// The parts the bucket holds of a multipart upload, all pages of them; `None` when the
    /// store no longer knows the upload (it was completed or aborted).
    pub async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Option<Vec<StoredPart>>, ApiError> {
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
            let mut response = self.send_raw(signed, None, "ListParts").await?;
            let status = response.status_code();
            let xml = response.text().await.map_err(storage_error("ListParts"))?;
            if status == 404 {
                return Ok(None);
            }
            if !(200..300).contains(&status) {
                let code = xml_value(&xml, "Code").unwrap_or_default();
                return Err(ApiError::Storage(format!("ListParts: HTTP {status} {code}")));
            }
            let (page, next) = parse_list_parts(&xml);
            parts.extend(page);
            match next {
                Some(next) if marker.as_ref() != Some(&next) => marker = Some(next),
                _ => return Ok(Some(parts)),
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

    /// A presigned GET of `key` whose response carries the given disposition (`inline`, or
    /// an attachment) and type.
    pub fn presign_download(
        &self,
        key: &str,
        name: &str,
        content_type: &str,
        inline: bool,
        ttl_seconds: u32,
    ) -> Result<String, ApiError> {
        presigned_download_url(self.config, key, name, content_type, inline, self.now, ttl_seconds)
            .map_err(ApiError::Internal)
    }
}
