// A stand-in for the Backend AI hub: serves its package.json version on HUB_PORT and logs
// a line now and then, so that status, logs and updates have something real to show.
'use strict';
const http = require('http');
const path = require('path');
const pkg = require(path.join(__dirname, '..', 'package.json'));

const port = Number(process.env.HUB_PORT || 3000);
const every = Number(process.env.HUB_LOG_EVERY_MS || 5000);
let ticks = 0;

http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ name: pkg.name, version: pkg.version, uptime: process.uptime() }) + '\n');
}).listen(port, '127.0.0.1', () => console.log(`hub ${pkg.version} listening on 127.0.0.1:${port}`));

setInterval(() => console.log(`hub ${pkg.version} tick ${++ticks}`), every);
process.on('SIGTERM', () => { console.log(`hub ${pkg.version} stopping`); process.exit(0); });
