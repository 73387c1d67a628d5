// The web app's pure rules, run natively by Node (type stripping, no bundler): names and
// folder paths must be judged exactly as the API judges them, and sizes must read right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crumbs, isFolderPath, joinFolder, nameProblem, parseFolder } from '../src/paths.ts';
import { formatBytes, percent } from '../src/format.ts';

const openapi = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
// JSON Schema patterns are ECMAScript regexes; 'u' for the \u escapes.
const folderPattern = new RegExp(openapi.components.schemas.Folder.pattern, 'u');

test('folder paths the app accepts are exactly those the API document allows', () => {
  const samples = ['/', '/a', '/a/b', '/Projects/2026 Q1', '/ünï/cødé', '/a/.hidden', '/..', '/a/.', '//a', '/a/', 'a', '/a\u0007b', '/a/b/'];
  // Bidirectional controls are refused, right-to-left letters are not.
  samples.push('/bills/invoice\u202efdp.exe', '/a\u2066b', '/\u200f', '/\u061c', '/שלום', '/a\u200db');
  for (const path of samples) {
    assert.equal(isFolderPath(path), folderPattern.test(path), path);
  }
});

test('what people type is forgiven where it is unambiguous and explained where not', () => {
  assert.deepEqual(parseFolder(' work/reports/ '), { ok: true, value: '/work/reports' });
  assert.deepEqual(parseFolder(''), { ok: true, value: '/' });
  const bad = parseFolder('/a//b');
  assert.equal(bad.ok, false);
  assert.match(nameProblem('a/b') ?? '', /“\/”/);
  assert.equal(nameProblem('x'.repeat(255)), null);
  assert.notEqual(nameProblem('é'.repeat(128)), null, '256 bytes of UTF-8 is one too many');
});

test('breadcrumbs lead back up to the top', () => {
  assert.deepEqual(
    crumbs('/a/b').map((c) => c.path),
    ['/', '/a', '/a/b'],
  );
  assert.equal(crumbs('/')[0]?.name, 'All files');
  assert.equal(joinFolder('/', 'a'), '/a');
  assert.equal(joinFolder('/a', 'b'), '/a/b');
});

test('sizes and progress read like people write them', () => {
  assert.equal(formatBytes(0), '0 bytes');
  assert.equal(formatBytes(1), '1 byte');
  assert.equal(formatBytes(999), '999 bytes');
  assert.equal(formatBytes(1500), '1.5 KB');
  assert.equal(formatBytes(123_456_789), '123 MB');
  assert.equal(percent(1, 3), 33);
  assert.equal(percent(5, 0), 100);
});
