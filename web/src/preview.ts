// Which files the app offers to preview: the same rule as the API's (src/domain/files.rs,
// `presentation`), which is what decides. Asked for anything else inline, the API answers
// with an attachment anyway; this only keeps the Preview button off files it cannot show.

/** Whether a file of `contentType` is shown in the browser when downloaded `inline`. */
export function previewable(contentType: string): boolean {
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash < 0) return false;
  const [type, subtype] = [essence.slice(0, slash), essence.slice(slash + 1)];
  if (type === 'image') return subtype !== '' && subtype !== 'svg+xml';
  if (type === 'audio' || type === 'video') return subtype !== '';
  return essence === 'application/pdf' || essence === 'text/plain';
}
