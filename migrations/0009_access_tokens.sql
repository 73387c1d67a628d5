-- Personal access tokens: a token is a kind of session (kind 'api'), so that everything
-- that ends sessions ends tokens too (revoking it, logging out everywhere, a password
-- change, the account's deletion), and the check every signed-in batch starts with covers
-- them at no extra cost. A token's row keeps only the SHA-256 of the token (`token_hash`,
-- lowercase hex); rows without one are the sessions of logins and of the web app. A token
-- without an expiry has `expires_at` at the end of year 9999.
ALTER TABLE sessions ADD COLUMN token_hash TEXT;
ALTER TABLE sessions ADD COLUMN name TEXT;
-- The token's scopes, space-separated (`files:read files:write`).
ALTER TABLE sessions ADD COLUMN scopes TEXT;
-- Written at most once a minute per token (Unix ms), in the batch the request runs anyway.
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
