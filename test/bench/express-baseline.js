// The manager hub-manager replaced, reduced to its shape: a Node/Express server that answers
// /status by spawning `systemctl is-active` for every call. `make bench` measures its start-up
// (exec to first response) and its resident memory as the baseline for the native manager.
//   node express-baseline.js PORT [UNIT]
'use strict';
const { execFile } = require('child_process');
const express = require('express');

const port = Number(process.argv[2] || 3081);
const unit = process.argv[3] || 'ai-hub.service';
const app = express();

app.get('/status', (req, res) => {
  execFile('systemctl', ['is-active', unit], (error, stdout) => {
    const state = stdout.trim();
    res.json({ running: state === 'active', unit, activeState: state });
  });
});
app.get('/health', (req, res) => res.type('text/plain').send('OK'));

app.listen(port, '127.0.0.1');
