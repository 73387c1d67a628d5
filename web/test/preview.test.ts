// The app's preview rule must offer exactly what the API serves inline (src/domain/files.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewable } from '../src/preview.ts';

test('images but SVG, PDF, audio, video and plain text are previewed; nothing else', () => {
  for (const type of ['image/png', 'IMAGE/JPEG', 'application/pdf', 'audio/mpeg', 'video/mp4; codecs=avc1', 'text/plain; charset=latin1']) {
    assert.equal(previewable(type), true, type);
  }
  for (const type of ['image/svg+xml', 'text/html', 'application/xhtml+xml', 'application/octet-stream', 'image/', 'x', '']) {
    assert.equal(previewable(type), false, type);
  }
});
