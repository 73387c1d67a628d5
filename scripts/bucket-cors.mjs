// The bucket's CORS rule, for the local bucket server. s3s-fs implements no CORS, so a
// browser page could not PUT upload parts to it; B2, R2 and S3 answer CORS themselves once
// the rule of docs/direct-uploads.md is set. This proxy stands in front of s3s-fs and
// applies exactly that rule: the allowed origins may PUT, GET and HEAD with a Content-Type
// header and read the ETag; everything else passes through untouched (Host included, so
// SigV4 signatures still verify at s3s-fs).
//
// As a program: node scripts/bucket-cors.mjs <listen port> <s3s-fs port> <origin>...
import http from "node:http";
import { pathToFileURL } from "node:url";

const ALLOWED_METHODS = ["PUT", "GET", "HEAD"];
const ALLOWED_HEADERS = ["content-type"];
const MAX_AGE_SECONDS = 3600;

/** Answers a preflight as the bucket's CORS rule would: 200 when it matches, 403 when not. */
function preflight(req, res, origins) {
  const origin = req.headers.origin;
  const method = req.headers["access-control-request-method"];
  const asked = (req.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const allowed =
    origins.includes(origin) && ALLOWED_METHODS.includes(method) && asked.every((h) => ALLOWED_HEADERS.includes(h));
  if (!allowed) {
    res.writeHead(403, { "content-type": "text/plain", vary: "Origin" }).end("CORS rule does not match\n");
    return;
  }
  res
    .writeHead(200, {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS.join(", "),
      "access-control-allow-headers": ALLOWED_HEADERS.join(", "),
      "access-control-max-age": String(MAX_AGE_SECONDS),
      vary: "Origin",
    })
    .end();
}

/** Forwards one request to s3s-fs, adding the CORS answer headers for allowed origins. */
function forward(req, res, upstreamPort, origins) {
  const upstream = http.request(
    { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      const headers = { ...answer.headers };
      if (origins.includes(req.headers.origin)) {
        headers["access-control-allow-origin"] = req.headers.origin;
        headers["access-control-expose-headers"] = "ETag";
        headers.vary = "Origin";
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`bucket server unreachable: ${error.message}\n`);
  });
  req.pipe(upstream);
}

/**
 * Starts the proxy on 127.0.0.1:`listenPort` in front of s3s-fs on `upstreamPort`.
 * Resolves to the http.Server once it listens.
 */
export function startBucketCors(listenPort, upstreamPort, origins) {
  const server = http.createServer((req, res) => {
    if (req.method === "OPTIONS" && req.headers.origin && req.headers["access-control-request-method"]) {
      preflight(req, res, origins);
    } else {
      forward(req, res, upstreamPort, origins);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [listen, upstream, ...origins] = process.argv.slice(2);
  if (!listen || !upstream || origins.length === 0) {
    console.error("usage: bucket-cors.mjs <listen port> <s3s-fs port> <allowed origin>...");
    process.exit(2);
  }
  await startBucketCors(Number(listen), Number(upstream), origins);
  console.log(`bucket CORS proxy on 127.0.0.1:${listen} -> s3s-fs on ${upstream}, origins: ${origins.join(" ")}`);
}
