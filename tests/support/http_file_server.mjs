#!/usr/bin/env node
// Static file server for tests (Node >= 18, no npm packages): serves one directory on
// 127.0.0.1, honours byte ranges the way object stores (S3, NOMADS) do, and logs every request,
// so a test can check what a client asked for. Used by the jobs' tests (hrrr_ingest range
// requests; usgs_gauges API key header); keep it generic.
//
// Usage:
//   node tests/support/http_file_server.mjs --root DIR [--log FILE] [--port N]
//        [--require-header NAME=VALUE]... [--status /PATH=CODE]... [--redirect /PATH=URL]...
//        [--no-range]
//
//   --root DIR                 directory served; GET/HEAD /a/b.txt -> DIR/a/b.txt (no listings,
//                              nothing outside DIR: "..", symlinks out of it -> 404)
//   --log FILE                 appends one JSON line per request, written before the response
//                              is sent: {"method","path","query","range","headers","status",
//                              "bytes"}; "range" is the Range header or null, "headers" the
//                              request's header names (lower case, sorted; never values, so
//                              keys do not leak into logs), "bytes" the body length sent
//   --port N                   port to listen on (default 0: any free port)
//   --require-header NAME=VALUE  repeatable; a request without every such header (name case-
//                              insensitive, value exact) gets 401
//   --status /PATH=CODE        repeatable; answers CODE (e.g. 503, 429) for PATH with a short
//                              text body, to test clients' error handling
//   --redirect /PATH=URL       repeatable; answers 302 with Location: URL for PATH (after the
//                              --require-header check), to test what clients send where
//   --no-range                 ignore Range headers and always send the whole file (200), like
//                              servers without range support
//
// Stdout: the port number alone on the first line once listening, then nothing. Stops on
// SIGTERM or SIGINT, or when stdin is closed if started with --exit-on-stdin-close.
//
// Ranges (RFC 9110 section 14): "bytes=a-b", "bytes=a-" and "bytes=-n" get 206 with
// Content-Range "bytes a-b/size" (b past the end is cut to the end). A range that cannot be
// satisfied (a >= size, b < a, empty file), several ranges, or any other syntax gets 416 with
// Content-Range "bytes */size": stricter than RFC 9110 (which lets a server ignore a malformed
// header), so that a client's bad range shows up in its test. Responses carry
// Accept-Ranges: bytes, Content-Length and Last-Modified.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

function parseArgs(argv) {
  const options = {root: null, log: null, port: 0, required: [], statuses: new Map(),
                   redirects: new Map(), range: true, exitOnStdinClose: false};
  for (let k = 0; k < argv.length; ++k) {
    const arg = argv[k];
    const value = () => {
      if (k + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++k];
    };
    if (arg === '--root') options.root = path.resolve(value());
    else if (arg === '--log') options.log = value();
    else if (arg === '--port') options.port = Number(value());
    else if (arg === '--require-header') {
      const text = value();
      const eq = text.indexOf('=');
      if (eq <= 0) throw new Error(`--require-header ${text}: expected NAME=VALUE`);
      options.required.push([text.slice(0, eq).toLowerCase(), text.slice(eq + 1)]);
    } else if (arg === '--status') {
      const text = value();
      const eq = text.lastIndexOf('=');
      const code = Number(text.slice(eq + 1));
      if (eq <= 0 || !Number.isInteger(code) || code < 100 || code > 599)
        throw new Error(`--status ${text}: expected /PATH=CODE`);
      options.statuses.set(text.slice(0, eq), code);
    } else if (arg === '--redirect') {
      const text = value();
      const eq = text.indexOf('=');
      if (eq <= 0 || !text.startsWith('/')) throw new Error(`--redirect ${text}: expected /PATH=URL`);
      options.redirects.set(text.slice(0, eq), text.slice(eq + 1));
    } else if (arg === '--no-range') options.range = false;
    else if (arg === '--exit-on-stdin-close') options.exitOnStdinClose = true;
    else throw new Error(`unknown option ${arg}`);
  }
  if (!options.root) throw new Error('--root DIR is required');
  if (!fs.statSync(options.root, {throwIfNoEntry: false})?.isDirectory())
    throw new Error(`--root ${options.root}: not a directory`);
  return options;
}

// {first, last} (inclusive) for one satisfiable range of a file of `size` bytes, else null.
function parseRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '') || size === 0) return null;
  if (match[1] === '') {  // "bytes=-n": the last n bytes
    const n = Number(match[2]);
    return n === 0 ? null : {first: Math.max(0, size - n), last: size - 1};
  }
  const first = Number(match[1]);
  if (first >= size) return null;
  if (match[2] === '') return {first, last: size - 1};
  const last = Number(match[2]);
  if (last < first) return null;
  return {first, last: Math.min(last, size - 1)};
}

// The file under root for a URL path, or null when it is outside root or not a regular file.
function resolveFile(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  let real;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    return null;
  }
  if (real !== root && !real.startsWith(root + path.sep)) return null;
  const stat = fs.statSync(real, {throwIfNoEntry: false});
  return stat?.isFile() ? {file: real, stat} : null;
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`http_file_server: ${error.message}\n`);
    process.exit(2);
  }
  options.root = fs.realpathSync(options.root);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const entry = {
      method: req.method,
      path: url.pathname,
      query: url.search ? url.search.slice(1) : null,
      range: req.headers.range ?? null,
      headers: Object.keys(req.headers).sort(),
      status: 0,
      bytes: 0,
    };
    const send = (status, headers, body) => {
      entry.status = status;
      entry.bytes = req.method === 'HEAD' || !body ? 0 : body.length;
      if (options.log) fs.appendFileSync(options.log, JSON.stringify(entry) + '\n');
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = (status, message, extra = {}) =>
      send(status, {'Content-Type': 'text/plain', ...extra}, Buffer.from(message + '\n'));

    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed', {Allow: 'GET, HEAD'});
    for (const [name, value] of options.required) {
      if (req.headers[name] !== value) return text(401, `missing or wrong ${name}`);
    }
    if (options.redirects.has(url.pathname)) {
      return text(302, 'moved', {Location: options.redirects.get(url.pathname)});
    }
    if (options.statuses.has(url.pathname)) {
      const code = options.statuses.get(url.pathname);
      return text(code, `status ${code} configured for ${url.pathname}`);
    }
    const found = resolveFile(options.root, url.pathname);
    if (!found) return text(404, 'not found');
    const body = fs.readFileSync(found.file);
    const common = {
      'Accept-Ranges': options.range ? 'bytes' : 'none',
      'Last-Modified': found.stat.mtime.toUTCString(),
      'Content-Type': 'application/octet-stream',
    };
    if (options.range && req.headers.range !== undefined) {
      const range = parseRange(req.headers.range, body.length);
      if (!range) return text(416, 'range not satisfiable', {'Content-Range': `bytes */${body.length}`});
      const part = body.subarray(range.first, range.last + 1);
      return send(206, {...common, 'Content-Length': part.length,
                        'Content-Range': `bytes ${range.first}-${range.last}/${body.length}`}, part);
    }
    return send(200, {...common, 'Content-Length': body.length}, body);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (options.exitOnStdinClose) {
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
  server.keepAliveTimeout = 1000;
  server.listen(options.port, '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`);
  });
}

main();
