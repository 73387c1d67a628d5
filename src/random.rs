//! Randomness from the platform CSPRNG (WebCrypto's `getRandomValues` in workerd, the OS natively).

use crate::error::ApiError;

/// `N` random bytes, or an internal error if the platform has no randomness to give.
pub fn bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}
