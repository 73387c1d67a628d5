//! Direct uploads and multipart parts: how a file of a given size travels (one PUT or
//! numbered parts), which parts are missing, whether the right number of bytes arrived, and
//! the (part, ETag) list that joins the parts.

use super::MIB;
use crate::error::ApiError;
use serde::Serialize;

/// The size of each part but the last, for form uploads streamed through the Worker and
/// the smallest part of direct uploads: small enough to resume cheaply, above the stores'
/// minimum.
/// How long after its URL expired an upload to the bucket (a PUT, or a part of a multipart
/// upload) that started in time may still be storing bytes, by default
/// (`LATE_WRITE_GRACE_SECONDS`): the bucket checks a presigned URL's expiry when a request
/// starts, not when it ends. The ledger keeps a deleted key that much longer, so such late
/// bytes are swept too (and a multipart upload aborted once more).
pub const LATE_WRITE_GRACE_SECONDS: u64 = 3600;

pub const PART_SIZE: u64 = 8 * MIB;
/// The smallest part S3 and B2 accept (all but the last part of an upload).
pub const MIN_PART_SIZE: u64 = 5 * MIB;
/// The largest part a client may ask for: well inside S3's (5 GiB) and B2's (5 GB) limits.
pub const MAX_PART_SIZE: u64 = 1024 * MIB;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// The largest object S3 stores (5 TiB); B2 allows more, this is the common bound.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * MIB;

/// How a direct upload of a given size travels from the client to the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadPlan {
    /// `false`: one presigned PUT of the whole object.
    pub multipart: bool,
    pub part_size: u64,
    pub part_count: u32,
}

impl UploadPlan {
    /// How a file of `size` bytes travels. Unasked, one PUT up to `threshold` bytes, and
    /// above it parts of at least [`PART_SIZE`]. A client that asks for parts of
    /// `requested` bytes (from [`MIN_PART_SIZE`] to [`MAX_PART_SIZE`], checked by the
    /// route) gets them whenever the file is larger than one such part, whatever the
    /// threshold, so it can resume a mid-size file too; a file that fits in one part is one
    /// PUT. Either way parts grow in whole MiB until the upload fits in 10,000 parts.
    pub fn for_size(size: u64, threshold: u64, requested: Option<u64>) -> Result<Self, ApiError> {
        if size > MAX_OBJECT_SIZE {
            return Err(ApiError::invalid("size", format!("must be at most {MAX_OBJECT_SIZE} bytes")));
        }
        let (threshold, smallest) = match requested {
            Some(part_size) => (part_size, part_size),
            None => (threshold, PART_SIZE),
        };
        if size <= threshold {
            return Ok(UploadPlan { multipart: false, part_size: size.max(1), part_count: 1 });
        }
        let fitting = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
        let part_size = smallest.max(fitting).max(MIN_PART_SIZE);
        Ok(UploadPlan { multipart: true, part_size, part_count: part_count(size, part_size) })
    }

    /// The method's name in the API: `put` or `multipart`.
    pub fn method(multipart: bool) -> &'static str {
        if multipart {
            "multipart"
        } else {
            "put"
        }
    }
}

/// How many parts an upload of `size` bytes in parts of `part_size` has (at least one: an
/// empty file is one empty PUT).
pub fn part_count(size: u64, part_size: u64) -> u32 {
    u32::try_from(size.div_ceil(part_size.max(1)).max(1)).unwrap_or(u32::MAX)
}

/// The length of part `number` (from 1) of an upload of `size` bytes in parts of
/// `part_size`: what its presigned URL binds it to. The last part holds the rest; a part
/// past the last has none.
pub fn part_length(size: u64, part_size: u64, number: u32) -> u64 {
    let start = u64::from(number.saturating_sub(1)).saturating_mul(part_size);
    size.saturating_sub(start).min(part_size)
}

/// How long an upload URL handed out at `now` may live: the configured lifetime, but never
/// past the pending upload's own end, so that no URL outlives its upload (at least a
/// second, as SigV4 wants; a URL for an upload already past its end is refused earlier).
pub fn url_ttl_seconds(configured: u32, now: i64, upload_expires_at: i64) -> u32 {
    let left = upload_expires_at.saturating_sub(now).div_euclid(1000);
    u32::try_from(left.clamp(1, i64::from(configured.max(1)))).unwrap_or(1)
}

/// How many part URLs to hand out for parts `from..from + count` of an upload of `total`
/// parts: none past the last.
pub fn parts_in_range(from: u32, count: u32, total: u32) -> u32 {
    count.min((total + 1).saturating_sub(from))
}

/// A part the bucket holds of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StoredPart {
    pub part_number: u32,
    pub size: u64,
    /// Absent when the store does not report it (s3s-fs does not).
    pub etag: Option<String>,
}

/// Checks that the bucket holds every one of `total` parts and exactly `declared` bytes in
/// them: 409 `upload_incomplete` naming the first missing parts, or 422 `size_mismatch`.
pub fn check_arrived(stored: &[StoredPart], total: u32, declared: u64) -> Result<(), ApiError> {
    let missing: Vec<String> =
        (1..=total).filter(|n| !stored.iter().any(|p| p.part_number == *n)).take(20).map(|n| n.to_string()).collect();
    if !missing.is_empty() {
        return Err(ApiError::UploadIncomplete(format!("The bucket does not have parts {} yet.", missing.join(", "))));
    }
    let arrived: u64 = stored.iter().filter(|p| p.part_number <= total).map(|p| p.size).sum();
    if arrived != declared {
        return Err(ApiError::SizeMismatch { declared, stored: arrived });
    }
    Ok(())
}

/// The (part number, ETag) list that completes an upload of `total` parts: the client's
/// when given (it must name every part once, in order, each with the ETag the bucket
/// reports for it, when it reports one), else the bucket's.
pub fn join_etags(
    stored: &[StoredPart],
    given: Vec<(u32, String)>,
    total: u32,
) -> Result<Vec<(u32, String)>, ApiError> {
    if !given.is_empty() {
        let in_order = given.iter().enumerate().all(|(i, (n, _))| *n as usize == i + 1);
        if given.len() != total as usize || !in_order {
            return Err(ApiError::UploadIncomplete(format!("List parts 1 to {total} once each, in order.")));
        }
        let unquoted = |etag: &str| etag.trim().trim_matches('"').to_owned();
        let wrong = given.iter().find(|(number, etag)| {
            stored
                .iter()
                .any(|p| p.part_number == *number && p.etag.as_deref().is_some_and(|e| unquoted(e) != unquoted(etag)))
        });
        if let Some((number, _)) = wrong {
            return Err(ApiError::invalid(
                "parts",
                format!(
                    "part {number}'s ETag is not the one the bucket has: give each part the ETag its upload answered"
                ),
            ));
        }
        return Ok(given);
    }
    stored
        .iter()
        .filter(|p| p.part_number <= total)
        .map(|p| {
            let etag = p.etag.clone().ok_or_else(|| {
                ApiError::invalid("parts", "this bucket does not report part ETags: list each part with its ETag")
            })?;
            Ok((p.part_number, etag))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(part_number: u32, size: u64, etag: Option<&str>) -> StoredPart {
        StoredPart { part_number, size, etag: etag.map(str::to_owned) }
    }

    #[test]
    fn direct_uploads_fit_in_ten_thousand_parts_of_at_least_five_mib() {
        let small = UploadPlan::for_size(10 * MIB, 64 * MIB, None).unwrap();
        assert_eq!(small, UploadPlan { multipart: false, part_size: 10 * MIB, part_count: 1 });
        assert_eq!(UploadPlan::for_size(0, 64 * MIB, None).unwrap().part_count, 1);
        let medium = UploadPlan::for_size(100 * MIB + 1, 64 * MIB, None).unwrap();
        assert_eq!((medium.multipart, medium.part_size, medium.part_count), (true, 8 * MIB, 13));
        for size in [65 * MIB, 78_125 * MIB + 1, 1024 * 1024 * MIB, MAX_OBJECT_SIZE] {
            let plan = UploadPlan::for_size(size, 64 * MIB, None).unwrap();
            assert!(u64::from(plan.part_count) <= MAX_PARTS, "{size}: {plan:?}");
            assert!(plan.part_size >= MIN_PART_SIZE && plan.part_size.is_multiple_of(MIB), "{size}: {plan:?}");
            assert!(u64::from(plan.part_count) * plan.part_size >= size, "{size}: {plan:?}");
            assert!(u64::from(plan.part_count - 1) * plan.part_size < size, "{size}: no empty last part");
        }
        assert_eq!(
            UploadPlan::for_size(MAX_OBJECT_SIZE + 1, 64 * MIB, None).unwrap_err().problem().field.as_deref(),
            Some("size")
        );
        assert_eq!((UploadPlan::method(true), UploadPlan::method(false)), ("multipart", "put"));
    }

    #[test]
    fn a_client_that_asks_for_parts_gets_them_above_one_part_whatever_the_threshold() {
        let mid = UploadPlan::for_size(20 * MIB, 64 * MIB, Some(6 * MIB)).unwrap();
        assert_eq!(mid, UploadPlan { multipart: true, part_size: 6 * MIB, part_count: 4 });
        let one_part = UploadPlan::for_size(6 * MIB, 64 * MIB, Some(6 * MIB)).unwrap();
        assert_eq!(one_part, UploadPlan { multipart: false, part_size: 6 * MIB, part_count: 1 });
        let large = UploadPlan::for_size(256 * MIB, 64 * MIB, Some(32 * MIB)).unwrap();
        assert_eq!((large.multipart, large.part_size, large.part_count), (true, 32 * MIB, 8));
        let huge = UploadPlan::for_size(MAX_OBJECT_SIZE, 64 * MIB, Some(MIN_PART_SIZE)).unwrap();
        assert!(u64::from(huge.part_count) <= MAX_PARTS && huge.part_size > MIN_PART_SIZE, "{huge:?}");
    }

    #[test]
    fn part_counts_round_up_and_an_empty_file_is_one_part() {
        assert_eq!(part_count(0, 8), 1);
        assert_eq!(part_count(8, 8), 1);
        assert_eq!(part_count(9, 8), 2);
        assert_eq!(part_count(5, 0), 5, "a zero part size is read as one byte, never a division by zero");
    }

    #[test]
    fn each_part_url_binds_its_part_and_the_last_holds_the_rest() {
        assert_eq!((part_length(20, 8, 1), part_length(20, 8, 2), part_length(20, 8, 3)), (8, 8, 4));
        assert_eq!(part_length(20, 8, 4), 0, "past the last part");
        assert_eq!(part_length(16, 8, 2), 8, "an exact multiple ends with a full part");
        assert_eq!(part_length(0, 1, 1), 0, "an empty file is one empty PUT");
        assert_eq!(part_length(5, 5, 0), 5, "part 0 does not exist; it reads as the first");
    }

    #[test]
    fn no_upload_url_outlives_its_upload() {
        assert_eq!(url_ttl_seconds(3600, 0, 24 * 3_600_000), 3600);
        assert_eq!(url_ttl_seconds(3600, 0, 90_500), 90, "cut to the upload's end");
        assert_eq!(url_ttl_seconds(3600, 0, 500), 1, "never below a second");
        assert_eq!(url_ttl_seconds(3600, 10_000, 0), 1);
        assert_eq!(url_ttl_seconds(0, 0, 10_000), 1);
    }

    #[test]
    fn part_urls_stop_at_the_last_part() {
        assert_eq!(parts_in_range(1, 100, 13), 13);
        assert_eq!(parts_in_range(13, 100, 13), 1);
        assert_eq!(parts_in_range(14, 100, 13), 0);
        assert_eq!(parts_in_range(10_000, 1000, 13), 0);
        assert_eq!(parts_in_range(2, 3, 13), 3);
    }

    #[test]
    fn an_upload_is_complete_when_every_part_and_exactly_the_declared_bytes_arrived() {
        let stored = [part(1, 5, None), part(2, 3, None)];
        assert_eq!(check_arrived(&stored, 2, 8), Ok(()));
        assert_eq!(check_arrived(&stored, 2, 9), Err(ApiError::SizeMismatch { declared: 9, stored: 8 }));
        let missing = check_arrived(&stored[..1], 3, 8).unwrap_err();
        assert_eq!(missing, ApiError::UploadIncomplete("The bucket does not have parts 2, 3 yet.".into()));
        // Parts past the last one are not counted (a client that sent an extra part).
        assert_eq!(check_arrived(&[part(1, 8, None), part(2, 1, None)], 1, 8), Ok(()));
    }

    #[test]
    fn at_most_twenty_missing_parts_are_named() {
        let ApiError::UploadIncomplete(why) = check_arrived(&[], 100, 1).unwrap_err() else { panic!() };
        assert!(why.ends_with(", 20 yet."), "{why}");
    }

    #[test]
    fn etags_come_from_the_client_in_order_or_from_the_bucket() {
        let stored = [part(1, 5, Some("\"a\"")), part(2, 3, Some("\"b\""))];
        let given = vec![(1, "a".to_owned()), (2, "\"b\"".to_owned())];
        assert_eq!(join_etags(&stored, given.clone(), 2).unwrap(), given, "quoted or not");
        let wrong = join_etags(&stored, vec![(1, "a".to_owned()), (2, "y".to_owned())], 2).unwrap_err();
        assert_eq!(wrong.problem().field.as_deref(), Some("parts"));
        assert!(wrong.problem().detail.contains("part 2"), "{:?}", wrong.problem());
        // A bucket that reports no ETags takes the client's as they are.
        let given = vec![(1, "x".to_owned())];
        assert_eq!(join_etags(&[part(1, 5, None)], given.clone(), 1).unwrap(), given);
        assert_eq!(join_etags(&stored, vec![], 2).unwrap(), [(1, "\"a\"".to_owned()), (2, "\"b\"".to_owned())]);
        for bad in [vec![(2, "y".to_owned()), (1, "x".to_owned())], vec![(1, "x".to_owned())]] {
            assert!(matches!(join_etags(&stored, bad, 2), Err(ApiError::UploadIncomplete(_))));
        }
        let unreported = [part(1, 5, None)];
        assert_eq!(join_etags(&unreported, vec![], 1).unwrap_err().problem().field.as_deref(), Some("parts"));
    }
}
