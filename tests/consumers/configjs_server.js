// Evaluates rendered jitsi-meet config.js files as browsers receive them through nginx, one
// after another in one long-lived node process (see configjs.js for the SSI rules).
//
//   node tests/consumers/configjs_server.js
//
// Each line of standard input is a JSON request {"file": PATH, "vars": {NAME: VALUE}}; for
// each, one line is printed: {"ok": true, "config": <the config object>} or
// {"ok": false, "error": "..."}.
'use strict';

const fs = require('fs');
const readline = require('readline');
const vm = require('vm');

// nginx's `echo` entity-encodes by default (encoding="entity").
const entity = (s) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function evaluate(file, vars) {
    let source = fs.readFileSync(file, 'utf8');
    source = source.replace(/<!--#\s*echo\s+var="([^"]*)"(?:\s+default="([^"]*)")?\s*-->/g, (_, name, dflt) =>
        Object.prototype.hasOwnProperty.call(vars, name) ? entity(vars[name]) : dflt === undefined ? '(none)' : dflt,
    );
    const leftover = source.match(/<!--#[^]*?-->/);
    if (leftover) {
        throw new Error(`SSI directive not understood: ${leftover[0]}`);
    }
    const context = vm.createContext({});
    vm.runInContext(source, context, { filename: file, timeout: 5000 });
    if (typeof context.config !== 'object' || context.config === null) {
        throw new Error('no `config` object');
    }
    // Every own property of the sandbox besides the script's own `var`s would be a leak.
    return { config: JSON.parse(JSON.stringify(context.config)), globals: Object.keys(context).sort() };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
    let reply;
    try {
        const request = JSON.parse(line);
        reply = { ok: true, ...evaluate(request.file, request.vars || {}) };
    } catch (e) {
        reply = { ok: false, error: String(e && e.stack ? e.stack : e) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
});
