//! The rules of the service that need neither D1, the bucket nor the JS runtime: share
//! links (token shape, liveness, refusals, expiry), accounts (admins, sign-up, quotas),
//! personal access tokens (shape, hash, scopes), direct uploads (plans, parts, ETags),
//! what a form upload is called, pagination, and brute-force limits. Plain Rust, tested
//! natively; the service layer calls these and does the I/O around them.

pub mod accounts;
pub mod events;
pub mod files;
pub mod limits;
pub mod requests;
pub mod shares;
pub mod tokens;
pub mod uploads;
pub mod webhooks;

/// Bytes in a mebibyte and a gibibyte: the one definition of each.
pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;

/// The Unix time in milliseconds `seconds` after `now_millis`, saturating instead of
/// overflowing for absurd lifetimes.
pub fn millis_after(now_millis: i64, seconds: u64) -> i64 {
    let millis = i64::try_from(seconds).unwrap_or(i64::MAX).saturating_mul(1000);
    now_millis.saturating_add(millis)
}

/// The rows of one page out of `rows`, read with one extra row to tell whether more
/// follow: keeps at most `limit` and returns the last kept row when another page follows.
pub fn page_of<T>(rows: &mut Vec<T>, limit: usize) -> Option<&T> {
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_add_in_milliseconds_and_never_overflow() {
        assert_eq!(millis_after(1_000, 60), 61_000);
        assert_eq!(millis_after(0, 0), 0);
        assert_eq!(millis_after(i64::MAX - 5, 1), i64::MAX);
        assert_eq!(millis_after(1, u64::MAX), i64::MAX);
    }

    #[test]
    fn a_page_keeps_the_limit_and_names_its_last_row_only_when_more_follow() {
        let mut exact = vec![1, 2, 3];
        assert_eq!(page_of(&mut exact, 3), None);
        assert_eq!(exact, [1, 2, 3]);
        let mut more = vec![1, 2, 3, 4];
        assert_eq!(page_of(&mut more, 3), Some(&3));
        assert_eq!(more, [1, 2, 3]);
        let mut empty: Vec<i32> = Vec::new();
        assert_eq!(page_of(&mut empty, 0), None);
    }
}
