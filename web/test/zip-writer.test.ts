// The zip that "Download all" builds in the browser (web/public/share-zip.js), written here
// into a real file and opened by Python's zipfile, which checks every CRC: a folder with a
// file larger than 4 GiB (its sizes need zip64) streams through with bounded memory, and more
// files than a plain zip can count get the zip64 records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';

const MIB = 1024 * 1024;

/** The page's zip writer, loaded as the browser loads it (a page without the button). */
function zipWriter() {
  const context = vm.createContext({ document: { getElementById: () => null }, TextEncoder });
  const source = readFileSync(new URL('../public/share-zip.js', import.meta.url), 'utf8');
  vm.runInContext(`${source}\nglobalThis.edgedropZip = edgedropZip;`, context);
  return context.edgedropZip.ZipWriter;
}

/** A sink over a file on disk, each write awaited (the backpressure the browser gives). */
async function fileSink(path: string) {
  const handle = await open(path, 'w');
  return { write: async (bytes: Uint8Array) => void (await handle.write(bytes)), close: () => handle.close() };
}

/** What Python's zipfile reads in `path` (after testzip checked every CRC): name, size, SHA-256. */
function unzipped(path: string): { name: string; size: number; sha256: string }[] {
  const script = `
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None, "a CRC is wrong"
    out = []
    for info in z.infolist():
        digest = hashlib.sha256()
        with z.open(info) as member:
            for block in iter(lambda: member.read(1 << 20), b""):
                digest.update(block)
        out.append({"name": info.filename, "size": info.file_size, "sha256": digest.hexdigest()})
    print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script, path], { maxBuffer: 64 * MIB }).toString());
}

test('a folder with a file over 4 GiB streams into one zip whose every byte, size and CRC checks out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgedrop-zip-'));
  try {
    const path = join(dir, 'all.zip');
    const ZipWriter = zipWriter();
    const zip = new ZipWriter(await fileSink(path));
    const block = randomBytes(MIB);
    // Past 4 GiB, a file's sizes only fit the zip64 extra field.
    const bigSize = 4 * 1024 * MIB + 12345;
    const expected: { name: string; size: number; sha256: string }[] = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;

    async function add(name: string, size: number) {
      const digest = createHash('sha256');
      async function* chunks() {
        for (let sent = 0; sent < size; ) {
          const chunk = block.subarray(0, Math.min(MIB, size - sent));
          digest.update(chunk);
          sent += chunk.length;
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          yield chunk;
        }
      }
      await zip.add(name, chunks());
      expected.push({ name, size, sha256: digest.digest('hex') });
    }
    await add('notes/empty.txt', 0);
    await add('photos/big.bin', bigSize);
    await add('photos/ünïcödé small.txt', 1000);
    await zip.finish();

    // Held a chunk at a time: memory never grew with the 4 GiB that passed through.
    assert.ok(rssPeak - rssBefore < 256 * MIB, `RSS grew ${(rssPeak - rssBefore) / MIB} MiB`);
    assert.deepEqual(unzipped(path), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('more files than a plain zip can count get zip64 records that unzip tools read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgedrop-zip-'));
  try {
    const path = join(dir, 'many.zip');
    const ZipWriter = zipWriter();
    const zip = new ZipWriter(await fileSink(path));
    const count = 0x10000 + 5;
    for (let n = 0; n < count; n++) {
      await zip.add(`f/${n}.txt`, (async function* () {
        yield new TextEncoder().encode(String(n));
      })());
    }
    await zip.finish();
    // The plain end record can only say 0xffff; the zip64 one, which its locator finds, says all.
    const bytes = readFileSync(path);
    const end = bytes.length - 22;
    assert.equal(bytes.readUInt32LE(end), 0x06054b50);
    assert.equal(bytes.readUInt16LE(end + 10), 0xffff);
    assert.equal(bytes.readUInt32LE(end - 20), 0x07064b50, 'no zip64 locator before the end record');
    const record = Number(bytes.readBigUInt64LE(end - 20 + 8));
    assert.equal(bytes.readUInt32LE(record), 0x06064b50, 'no zip64 end record where the locator points');
    assert.equal(Number(bytes.readBigUInt64LE(record + 32)), count);
    const entries = unzipped(path);
    assert.equal(entries.length, count);
    const last = entries[count - 1];
    assert.equal(last.name, `f/${count - 1}.txt`);
    assert.equal(last.sha256, createHash('sha256').update(String(count - 1)).digest('hex'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
