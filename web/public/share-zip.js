// "Download all" on a collection's landing page (src/share_page.rs): one counted download
// (POST /share/{token}/zip) grants the list and the files; each file's short-lived URL is
// asked for just before its bytes are wanted, its bytes come straight from the bucket, and
// they are written into one .zip as they arrive, never held whole in memory:
// - where the File System Access API exists (Chromium), into the file the visitor picks;
// - elsewhere through a service worker (share-zip-sw.js) that answers a download with a
//   stream this page feeds, a chunk each time the browser asks for one (backpressure).
// The zip stores files as they are (method 0, STORE: no compression), with CRC-32 computed
// as the bytes pass, sizes in data descriptors, and zip64 records wherever a size, an
// offset or the number of files needs them (so 2 GiB, or 200, are no limit).
"use strict";

/** The streaming zip writer, apart from the page so web/test/zip-writer.test.ts can run it. */
const edgedropZip = (() => {
  const CRC_TABLE = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    CRC_TABLE[n] = c >>> 0;
  }

  /** `crc` (a CRC-32 so far, 0 to start) continued over `bytes`. */
  function crc32(crc, bytes) {
    let c = ~crc >>> 0;
    for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  }

  /** Writes `value` (below 2^53) as a little-endian 64-bit number at `at`. */
  function set64(view, at, value) {
    view.setUint32(at, value % 0x100000000, true);
    view.setUint32(at + 4, Math.floor(value / 0x100000000), true);
  }

  const MAX32 = 0xffffffff;
  const FLAGS = 0x0808; // bit 3: sizes and CRC follow the data; bit 11: UTF-8 names
  const VERSION = 45; // zip64

  /** MS-DOS time and date of `when`. */
  function dosTime(when) {
    const time = (when.getHours() << 11) | (when.getMinutes() << 5) | (when.getSeconds() >> 1);
    const date = ((Math.max(when.getFullYear(), 1980) - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate();
    return { time, date };
  }

  /** A streaming zip writer over `sink` ({write(bytes), close()}). */
  class ZipWriter {
    constructor(sink) {
      this.sink = sink;
      this.offset = 0;
      this.entries = [];
      this.stamp = dosTime(new Date());
    }

    async write(bytes) {
      await this.sink.write(bytes);
      this.offset += bytes.length;
    }

    /** Adds a file called `path` whose bytes `chunks` (an async iterable) yields. */
    async add(path, chunks) {
      const name = new TextEncoder().encode(path);
      const offset = this.offset;
      const header = new Uint8Array(30 + name.length);
      const h = new DataView(header.buffer);
      h.setUint32(0, 0x04034b50, true);
      h.setUint16(4, VERSION, true);
      h.setUint16(6, FLAGS, true);
      h.setUint16(10, this.stamp.time, true);
      h.setUint16(12, this.stamp.date, true);
      h.setUint16(26, name.length, true);
      header.set(name, 30);
      await this.write(header);
      let crc = 0;
      let size = 0;
      for await (const chunk of chunks) {
        crc = crc32(crc, chunk);
        size += chunk.length;
        await this.write(chunk);
      }
      const big = size >= MAX32;
      const descriptor = new Uint8Array(big ? 24 : 16);
      const d = new DataView(descriptor.buffer);
      d.setUint32(0, 0x08074b50, true);
      d.setUint32(4, crc, true);
      if (big) {
        set64(d, 8, size);
        set64(d, 16, size);
      } else {
        d.setUint32(8, size, true);
        d.setUint32(12, size, true);
      }
      await this.write(descriptor);
      this.entries.push({ name, crc, size, offset });
    }

    /** The central directory and its end records; then the sink is closed. */
    async finish() {
      const start = this.offset;
      for (const entry of this.entries) await this.write(this.centralRecord(entry));
      const size = this.offset - start;
      const count = this.entries.length;
      const zip64 = count >= 0xffff || size >= MAX32 || start >= MAX32;
      if (zip64) {
        const recordAt = this.offset;
        const record = new Uint8Array(56);
        const r = new DataView(record.buffer);
        r.setUint32(0, 0x06064b50, true);
        set64(r, 4, 44);
        r.setUint16(12, VERSION, true);
        r.setUint16(14, VERSION, true);
        set64(r, 24, count);
        set64(r, 32, count);
        set64(r, 40, size);
        set64(r, 48, start);
        await this.write(record);
        const locator = new Uint8Array(20);
        const l = new DataView(locator.buffer);
        l.setUint32(0, 0x07064b50, true);
        set64(l, 8, recordAt);
        l.setUint32(16, 1, true);
        await this.write(locator);
      }
      const end = new Uint8Array(22);
      const e = new DataView(end.buffer);
      e.setUint32(0, 0x06054b50, true);
      e.setUint16(8, Math.min(count, 0xffff), true);
      e.setUint16(10, Math.min(count, 0xffff), true);
      e.setUint32(12, zip64 ? MAX32 : size, true);
      e.setUint32(16, zip64 ? MAX32 : start, true);
      await this.write(end);
      await this.sink.close();
    }

    centralRecord({ name, crc, size, offset }) {
      const bigSize = size >= MAX32;
      const bigOffset = offset >= MAX32;
      const extra = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
      const record = new Uint8Array(46 + name.length + extra);
      const c = new DataView(record.buffer);
      c.setUint32(0, 0x02014b50, true);
      c.setUint16(4, VERSION, true);
      c.setUint16(6, VERSION, true);
      c.setUint16(8, FLAGS, true);
      c.setUint16(12, this.stamp.time, true);
      c.setUint16(14, this.stamp.date, true);
      c.setUint32(16, crc, true);
      c.setUint32(20, bigSize ? MAX32 : size, true);
      c.setUint32(24, bigSize ? MAX32 : size, true);
      c.setUint16(28, name.length, true);
      c.setUint16(30, extra, true);
      c.setUint32(42, bigOffset ? MAX32 : offset, true);
      record.set(name, 46);
      if (extra) {
        let at = 46 + name.length;
        c.setUint16(at, 0x0001, true);
        c.setUint16(at + 2, extra - 4, true);
        at += 4;
        if (bigSize) {
          set64(c, at, size);
          set64(c, at + 8, size);
          at += 16;
        }
        if (bigOffset) set64(c, at, offset);
      }
      return record;
    }
  }

  return { ZipWriter, crc32 };
})();

(() => {
  const button = document.getElementById("download-all");
  if (!button) return;
  const status = document.getElementById("download-all-status");
  const progress = document.getElementById("download-all-progress");
  const token = button.dataset.token;
  const zipName = `${button.dataset.name || "files"}.zip`;
  const { ZipWriter } = edgedropZip;

  /** The file the visitor picks, through the File System Access API. */
  async function pickedFile() {
    const handle = await window.showSaveFilePicker({ suggestedName: zipName });
    const writable = await handle.createWritable();
    return { write: (bytes) => writable.write(bytes), close: () => writable.close(), abort: () => writable.abort() };
  }

  /** A download the service worker answers with a stream fed from here, chunk by chunk. */
  async function streamedDownload() {
    await navigator.serviceWorker.register("/share-zip-sw.js", { scope: "/share/" });
    // This page lies in the worker's scope, so `ready` is its registration, once active.
    const worker = (await navigator.serviceWorker.ready).active;
    const id = crypto.randomUUID();
    const channel = new MessageChannel();
    let wanted = 0;
    let wake = null;
    channel.port1.onmessage = ({ data }) => {
      if (data === "pull") wanted++;
      if (data === "cancel") wanted = -Infinity;
      if (wake) wake();
    };
    const ready = new Promise((resolve) => (wake = resolve));
    worker.postMessage({ id, name: zipName }, [channel.port2]);
    await ready; // the worker's first pull: it holds the stream now
    const frame = document.createElement("iframe");
    frame.hidden = true;
    frame.src = `/share/zip-stream/${id}`;
    document.body.append(frame);
    return {
      async write(bytes) {
        while (wanted === 0) await new Promise((resolve) => (wake = resolve));
        if (wanted < 0) throw new Error("the download was cancelled");
        wanted--;
        const copy = bytes.slice();
        channel.port1.postMessage(copy, [copy.buffer]);
      },
      async close() {
        channel.port1.postMessage("end");
      },
      async abort(reason) {
        channel.port1.postMessage({ error: String(reason) });
      },
    };
  }

  async function json(response) {
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || `HTTP ${response.status}`);
    return body;
  }

  /** Every file of the link, through the grant (which counts nothing). */
  async function everyFile(grant) {
    const files = [];
    let cursor = "";
    do {
      const query = new URLSearchParams({ grant, limit: "1000", cursor });
      const page = await json(await fetch(`/share/${token}?${query}`, { headers: { accept: "application/json" } }));
      files.push(...page.items);
      cursor = page.next_cursor || "";
    } while (cursor);
    return files;
  }

  /** The bytes of `file`, as the bucket sends them. */
  async function* bytesOf(file, grant) {
    const query = new URLSearchParams({ grant });
    const link = await json(
      await fetch(`/share/${token}/files/${file.id}?${query}`, { headers: { accept: "application/json" } }),
    );
    const response = await fetch(link.url);
    if (!response.ok) throw new Error(`the bucket answered ${response.status} for ${file.name}`);
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }

  /** Paths in the zip: the file's folder and name, without the leading slash, each once. */
  function zipPaths(files) {
    const seen = new Set();
    return files.map((file) => {
      const base = `${file.folder.slice(1)}${file.folder === "/" ? "" : "/"}${file.name}`;
      let path = base;
      for (let n = 2; seen.has(path); n++) path = base.replace(/(\.[^./]*)?$/, ` (${n})$1`);
      seen.add(path);
      return path;
    });
  }

  async function downloadAll() {
    button.disabled = true;
    status.textContent = "Preparing…";
    let sink = null;
    try {
      // The sink first: a picker needs the click's user activation, which awaiting would spend.
      sink = window.showSaveFilePicker ? await pickedFile() : await streamedDownload();
      const password = document.querySelector('input[name="password"]')?.value;
      const body = JSON.stringify(password ? { password } : {});
      const granted = await json(
        await fetch(`/share/${token}/zip`, { method: "POST", headers: { "content-type": "application/json" }, body }),
      );
      const files = await everyFile(granted.grant);
      const paths = zipPaths(files);
      const total = files.reduce((sum, file) => sum + file.size, 0);
      progress.max = Math.max(total, 1);
      progress.value = 0;
      progress.hidden = false;
      const zip = new ZipWriter(sink);
      let done = 0;
      for (const [n, file] of files.entries()) {
        status.textContent = `Adding ${n + 1} of ${files.length}: ${file.name}`;
        await zip.add(paths[n], (async function* () {
          for await (const chunk of bytesOf(file, granted.grant)) {
            done += chunk.length;
            progress.value = done;
            yield chunk;
          }
        })());
      }
      await zip.finish();
      status.textContent = `Done: ${files.length} files in ${zipName}.`;
    } catch (error) {
      await sink?.abort(error.message).catch(() => {});
      status.textContent = error.name === "AbortError" ? "Cancelled." : `Download failed: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", downloadAll);
})();
