// Folder paths and file names, checked by the same rules as the API (openapi.json `Name`
// and `Folder`) so people learn about a bad name before anything is sent.

export const ROOT = '/';

const MAX_NAME_BYTES = 255;
const MAX_FOLDER_BYTES = 1024;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Invisible direction switches (Unicode's Bidi_Control): `invoice\u202Efdp.exe` shows as `invoiceexe.pdf`. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** Why `name` cannot be a file or folder name, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'Enter a name.';
  if (name.includes('/')) return 'A name cannot contain “/”.';
  if (CONTROL_CHARACTERS.test(name)) return 'A name cannot contain control characters.';
  if (BIDI_CONTROLS.test(name)) return 'A name cannot contain invisible text-direction characters.';
  if (name === '.' || name === '..') return 'A name cannot be “.” or “..”.';
  if (utf8Length(name) > MAX_NAME_BYTES) return 'That name is too long (at most 255 bytes).';
  return null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * A folder path from what a person typed: a missing leading `/` or a trailing `/` is
 * forgiven, anything else the API would refuse is explained.
 */
export function parseFolder(input: string): Parsed<string> {
  let path = input.trim();
  if (path === '' || path === ROOT) return { ok: true, value: ROOT };
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.endsWith('/')) path = path.slice(0, -1);
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return { ok: false, problem: 'A folder path cannot contain “//”.' };
    const problem = nameProblem(segment);
    if (problem) return { ok: false, problem: `“${segment}”: ${problem}` };
  }
  if (utf8Length(path) > MAX_FOLDER_BYTES) return { ok: false, problem: 'That folder path is too long.' };
  return { ok: true, value: path };
}

/** Whether `path` is a folder path exactly as the API writes them. */
export function isFolderPath(path: string): boolean {
  const parsed = parseFolder(path);
  return parsed.ok && parsed.value === path;
}

export function joinFolder(parent: string, name: string): string {
  return parent === ROOT ? `/${name}` : `${parent}/${name}`;
}

export function folderName(path: string): string {
  return path === ROOT ? 'All files' : path.slice(path.lastIndexOf('/') + 1);
}

export function isInside(path: string, folder: string): boolean {
  return folder === ROOT ? path !== ROOT : path.startsWith(`${folder}/`);
}

export interface Crumb {
  name: string;
  path: string;
}

/** `/a/b` → All files, a, b: each with the path it opens. */
export function crumbs(path: string): Crumb[] {
  const trail: Crumb[] = [{ name: folderName(ROOT), path: ROOT }];
  if (path === ROOT) return trail;
  let current = '';
  for (const segment of path.slice(1).split('/')) {
    current += `/${segment}`;
    trail.push({ name: segment, path: current });
  }
  return trail;
}
