#!/usr/bin/env node
// The invariant audit: rows ⇔ objects ⇔ ledger. Read-only; reports and exits non-zero when
// anything is wrong. `make audit` runs it against the local stack of `make dev`; operators
// run it against a deployment (see the README). The black-box tests run it after every race.
//
//   node scripts/audit.mjs [--local DIR | --remote] [--vars FILE] [--database NAME]
//                          [--endpoint URL --bucket NAME --region R --access-key K --secret-key S]
//
// D1 is read through `wrangler d1 execute` (--local with the state folder of `wrangler dev`,
// or --remote); the bucket is listed with SigV4-signed ListObjectsV2 calls. Bucket settings
// come from the flags, else from the environment (B2_ENDPOINT, B2_BUCKET, B2_REGION,
// B2_ACCESS_KEY, B2_SECRET_KEY), else from the vars file (.dev.vars by default).
//
// What must hold:
//   - every file row's object is in the bucket, with the row's size;
//   - every object in the bucket is owned by a file row or listed on the ledger;
//   - no key is both a file's and on the ledger;
//   - every pending or completing upload's object is on the ledger;
//   - each user's file_count and used_bytes are the count and sum of their files, and their
//     reserved_bytes the sum of the reservations on the ledger;
//   - each upload request's files_used/bytes_used are what it received plus the slots the
//     ledger holds for it (so no slot is lost or given back twice).
// The bucket is listed before D1 is read, and whatever looks wrong is looked at again
// afterwards, so requests under way while it runs do not read as violations.
import { createHash, createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = { database: 'edgedrop', vars: join(root, '.dev.vars') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--local': args.local = value(); break;
      case '--remote': args.remote = true; break;
      case '--vars': args.vars = value(); break;
      case '--database': args.database = value(); break;
      case '--endpoint': args.endpoint = value(); break;
      case '--bucket': args.bucket = value(); break;
      case '--region': args.region = value(); break;
      case '--access-key': args.accessKey = value(); break;
      case '--secret-key': args.secretKey = value(); break;
      case '--help': case '-h':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 22).join('\n'));
        process.exit(0);
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!args.remote && !args.local) args.local = join(root, '.wrangler/state');
  return args;
}

function readVars(file) {
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
    if (match) vars[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

/** The region a well-known endpoint names, as the Worker derives it. */
function regionOf(endpoint) {
  const host = new URL(endpoint).hostname;
  const b2 = host.match(/^s3\.([^.]+)\.backblazeb2\.com$/);
  if (b2) return b2[1];
  if (host.endsWith('.r2.cloudflarestorage.com')) return 'auto';
  const aws = host.match(/^s3\.([^.]+)\.amazonaws\.com$/);
  return aws ? aws[1] : undefined;
}

function bucketSettings(args) {
  const vars = readVars(args.vars);
  const pick = (flag, name) => args[flag] ?? process.env[name] ?? vars[name];
  const endpoint = pick('endpoint', 'B2_ENDPOINT')?.replace(/\/+$/, '');
  const settings = {
    endpoint,
    bucket: pick('bucket', 'B2_BUCKET'),
    region: pick('region', 'B2_REGION') || (endpoint && regionOf(endpoint)),
    accessKey: pick('accessKey', 'B2_ACCESS_KEY'),
    secretKey: pick('secretKey', 'B2_SECRET_KEY'),
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!value) throw new Error(`bucket setting ${name} is missing (flag, environment or ${args.vars})`);
  }
  return settings;
}

// --- SigV4, just enough for GET and HEAD ---------------------------------------------------

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const encode = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function s3(settings, method, key, query = {}) {
  const url = new URL(`${settings.endpoint}/${settings.bucket}${key ? '/' + key.split('/').map(encode).join('/') : ''}`);
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((name) => `${encode(name)}=${encode(query[name])}`)
    .join('&');
  const headers = { host: url.host, 'x-amz-content-sha256': sha256(''), 'x-amz-date': now };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const canonicalHeaders = Object.keys(headers).sort().map((name) => `${name}:${headers[name]}\n`).join('');
  const canonical = [method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, headers['x-amz-content-sha256']]
    .join('\n');
  const scope = `${day}/${settings.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, sha256(canonical)].join('\n');
  let signingKey = hmac(`AWS4${settings.secretKey}`, day);
  for (const part of [settings.region, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${settings.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const { host, ...sent } = headers;
  void host;
  const answer = await fetch(`${url.origin}${url.pathname}${canonicalQuery ? '?' + canonicalQuery : ''}`, {
    method,
    headers: { ...sent, authorization },
  });
  return answer;
}

const xmlValues = (xml, tag) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
const unescapeXml = (text) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Every object in the bucket: key → size. */
async function listBucket(settings) {
  const objects = new Map();
  let token;
  do {
    const query = { 'list-type': '2', 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) };
    const answer = await s3(settings, 'GET', '', query);
    const xml = await answer.text();
    if (!answer.ok) throw new Error(`ListObjectsV2: HTTP ${answer.status} ${xml.slice(0, 200)}`);
    for (const contents of xmlValues(xml, 'Contents')) {
      objects.set(unescapeXml(xmlValues(contents, 'Key')[0] ?? ''), Number(xmlValues(contents, 'Size')[0] ?? -1));
    }
    token = xmlValues(xml, 'IsTruncated')[0] === 'true' ? unescapeXml(xmlValues(xml, 'NextContinuationToken')[0] ?? '') : undefined;
  } while (token);
  return objects;
}

/** The size of one object now, or undefined when the bucket does not have it. */
async function objectSize(settings, key) {
  const answer = await s3(settings, 'HEAD', key);
  if (answer.status === 404) return undefined;
  if (!answer.ok) throw new Error(`HeadObject ${key}: HTTP ${answer.status}`);
  return Number(answer.headers.get('content-length'));
}

// --- D1 ------------------------------------------------------------------------------------

function d1(args, sql) {
  const wrangler = join(root, 'node_modules/.bin/wrangler');
  const where = args.remote ? ['--remote'] : ['--local', '--persist-to', args.local];
  const output = execFileSync(wrangler, ['d1', 'execute', args.database, ...where, '--json', '--command', sql], {
    cwd: root,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  });
  return JSON.parse(output.toString()).map((result) => result.results ?? []);
}

const ROWS_SQL = [
  'SELECT object_key, size, owner_id FROM files',
  'SELECT object_key, owner_id, reserved_bytes, claim, request_id, request_bytes FROM orphan_objects',
  "SELECT id, object_key, state FROM uploads WHERE state IN ('pending', 'completing')",
  'SELECT id, file_count, used_bytes, reserved_bytes FROM users',
  'SELECT id, files_used, bytes_used, files_received, bytes_received FROM upload_requests',
];

function readRows(args) {
  const [files, ledger, uploads, users, requests] = d1(args, ROWS_SQL.join('; '));
  return { files, ledger, uploads, users, requests };
}

// --- the audit -----------------------------------------------------------------------------

function findViolations(objects, rows) {
  const violations = [];
  const files = new Map(rows.files.map((f) => [f.object_key, f]));
  const ledger = new Map(rows.ledger.map((l) => [l.object_key, l]));
  for (const file of rows.files) {
    const size = objects.get(file.object_key);
    if (size === undefined) violations.push({ kind: 'file_without_object', key: file.object_key });
    else if (size !== file.size) {
      violations.push({ kind: 'size_mismatch', key: file.object_key, detail: `row ${file.size}, bucket ${size}` });
    }
  }
  for (const key of objects.keys()) {
    if (!files.has(key) && !ledger.has(key)) violations.push({ kind: 'stray_object', key });
  }
  for (const key of ledger.keys()) {
    if (files.has(key)) violations.push({ kind: 'file_on_ledger', key });
  }
  for (const upload of rows.uploads) {
    if (!ledger.has(upload.object_key)) {
      violations.push({ kind: 'upload_without_ledger', key: upload.object_key, detail: `upload ${upload.id}` });
    }
  }
  const sums = new Map(rows.users.map((u) => [u.id, { count: 0, bytes: 0, reserved: 0 }]));
  for (const file of rows.files) {
    const sum = sums.get(file.owner_id);
    if (sum) { sum.count += 1; sum.bytes += file.size; }
  }
  for (const entry of rows.ledger) {
    const sum = sums.get(entry.owner_id);
    if (sum) sum.reserved += entry.reserved_bytes;
  }
  for (const user of rows.users) {
    const sum = sums.get(user.id);
    if (user.file_count !== sum.count || user.used_bytes !== sum.bytes || user.reserved_bytes !== sum.reserved) {
      violations.push({
        kind: 'counters',
        key: user.id,
        detail: `row ${user.file_count} files, ${user.used_bytes} used, ${user.reserved_bytes} reserved; ` +
          `actual ${sum.count} files, ${sum.bytes} used, ${sum.reserved} reserved`,
      });
    }
  }
  const slots = new Map(rows.requests.map((r) => [r.id, { count: 0, bytes: 0 }]));
  for (const entry of rows.ledger) {
    const slot = entry.request_id && slots.get(entry.request_id);
    if (slot) { slot.count += 1; slot.bytes += entry.request_bytes; }
  }
  for (const request of rows.requests) {
    const slot = slots.get(request.id);
    const files = request.files_received + slot.count;
    const bytes = request.bytes_received + slot.bytes;
    if (request.files_used !== files || request.bytes_used !== bytes) {
      violations.push({
        kind: 'counters',
        key: `request ${request.id}`,
        detail: `row ${request.files_used} files, ${request.bytes_used} bytes used; ` +
          `received + held on the ledger ${files} files, ${bytes} bytes`,
      });
    }
  }
  return violations;
}

async function audit(args) {
  const settings = bucketSettings(args);
  // The bucket first, then D1: an object that appears after the listing is not seen at all,
  // and what looks wrong is checked once more below.
  const objects = await listBucket(settings);
  const rows = readRows(args);
  let violations = findViolations(objects, rows);
  if (violations.length > 0) {
    // Requests under way may have moved on between the listing and the read: look again.
    const again = readRows(args);
    const fresh = new Map(objects);
    for (const v of violations.filter((v) => v.kind !== 'counters')) {
      const size = await objectSize(settings, v.key).catch(() => undefined);
      if (size === undefined) fresh.delete(v.key);
      else fresh.set(v.key, size);
    }
    const recheck = new Set(violations.map((v) => `${v.kind} ${v.key}`));
    violations = findViolations(fresh, again).filter((v) => recheck.has(`${v.kind} ${v.key}`));
  }
  return {
    ok: violations.length === 0,
    objects: objects.size,
    files: rows.files.length,
    ledger: rows.ledger.length,
    open_uploads: rows.uploads.length,
    users: rows.users.length,
    violations,
  };
}

try {
  const report = await audit(parseArgs(process.argv.slice(2)));
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  console.error(`audit failed: ${error.message}`);
  process.exit(2);
}
