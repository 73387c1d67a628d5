// The service worker behind "Download all" where the File System Access API is missing (see
// share-zip.js): the page hands it a port, and it answers the download /share/zip-stream/{id}
// with a stream that asks the page for one chunk each time the browser wants more, so the
// zip is written to disk as it is made and never held in memory. Every other request goes to
// the network untouched.
"use strict";

/** Streams waiting for their download, by id. */
const streams = new Map();

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const { id, name } = event.data || {};
  const port = event.ports[0];
  if (typeof id !== "string" || !port) return;
  let delivered = null;
  const stream = new ReadableStream(
    {
      start(controller) {
        port.onmessage = ({ data }) => {
          if (data === "end") controller.close();
          else if (data && data.error) controller.error(new Error(data.error));
          else controller.enqueue(new Uint8Array(data));
          if (delivered) delivered();
        };
      },
      pull() {
        port.postMessage("pull");
        return new Promise((resolve) => (delivered = resolve));
      },
      cancel() {
        port.postMessage("cancel");
      },
    },
    { highWaterMark: 1 },
  );
  streams.set(id, { stream, name: typeof name === "string" ? name : "files.zip" });
});

self.addEventListener("fetch", (event) => {
  const match = new URL(event.request.url).pathname.match(/^\/share\/zip-stream\/([0-9a-f-]{36})$/);
  const entry = match && streams.get(match[1]);
  if (!entry) return;
  streams.delete(match[1]);
  const ascii = entry.name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  event.respondWith(
    new Response(entry.stream, {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(entry.name)}`,
      },
    }),
  );
});
