// A loopback stand-in for Neo4j's HTTP transactional endpoint, for tests: answers
// POST /db/<db>/tx/commit like Neo4j 5 ({"results": [...], "errors": []}) and records each
// request (method, url, authorization header, JSON body) as one line in LOG.
//   node tests/lineage/neo4j_stub.mjs LOG [ok|cypher-error|unauthorized]
// Prints "port N" once listening on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';

const [log, mode = 'ok'] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    let parsed = null;
    try { parsed = JSON.parse(body); } catch { parsed = { unparsed: body }; }
    fs.appendFileSync(log, JSON.stringify({
      method: req.method, url: req.url, authorization: req.headers.authorization || null,
      contentType: req.headers['content-type'] || null, body: parsed,
    }) + '\n');
    if (mode === 'unauthorized') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'Neo.ClientError.Security.Unauthorized', message: 'bad credentials' }] }));
      return;
    }
    const statements = (parsed && parsed.statements) || [];
    const errors = mode === 'cypher-error'
      ? [{ code: 'Neo.ClientError.Statement.SyntaxError', message: 'stub refuses' }] : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ results: statements.map(() => ({ columns: [], data: [] })), errors }));
  });
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
