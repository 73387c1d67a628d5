// Words and choices of the share dialogs.

import type { AccessOutcome, Share } from './api';
import { formatRelative, plural } from './format';

/** Seconds, or null for a link that never expires. */
export const EXPIRY_CHOICES: { label: string; seconds: number | null }[] = [
  { label: 'Never', seconds: null },
  { label: 'In 1 hour', seconds: 3600 },
  { label: 'In 1 day', seconds: 86_400 },
  { label: 'In 7 days', seconds: 7 * 86_400 },
  { label: 'In 30 days', seconds: 30 * 86_400 },
];

export function describeExpiry(share: Share, now = Date.now()): string {
  if (share.expires_at === null) return 'Never expires';
  const past = new Date(share.expires_at).getTime() <= now;
  return `${past ? 'Expired' : 'Expires'} ${formatRelative(share.expires_at, now)}`;
}

export function describeDownloads(share: Share): string {
  const count = plural(share.download_count, 'download', 'downloads');
  return share.max_downloads === null ? count : `${count} of ${share.max_downloads} allowed`;
}

export const OUTCOMES: Record<AccessOutcome, string> = {
  ok: 'Downloaded',
  expired: 'Refused: link expired or used up',
  limit_reached: 'Refused: download limit reached',
  bad_password: 'Refused: wrong password',
  password_required: 'Asked for the password',
};

/**
 * The download limit typed in a form: null for none, undefined when it is not a whole
 * number of at least 1.
 */
export function parseLimit(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isInteger(value) && value >= 1 && value <= 4_294_967_295 ? value : undefined;
}

export const LIMIT_PROBLEM = 'The download limit must be a whole number of at least 1, or empty for no limit.';

export const MIN_LINK_PASSWORD = 8;

/** Why `password` cannot protect a link, or null when it can or is empty (no password). */
export function linkPasswordProblem(password: string): string | null {
  // Counted in code points, as the API counts characters.
  const short = password !== '' && [...password].length < MIN_LINK_PASSWORD;
  return short ? `A link password needs at least ${MIN_LINK_PASSWORD} characters.` : null;
}
