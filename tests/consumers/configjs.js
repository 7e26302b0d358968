// Evaluates a rendered jitsi-meet config.js the way a browser receives it through nginx,
// and prints its `config` object as JSON.
//
//   node tests/consumers/configjs.js CONFIG_JS [NAME=VALUE ...]
//
// nginx serves config.js with `ssi on`, so first every `<!--# echo var="NAME" default="D" -->`
// is replaced as nginx's SSI module would: with the value of variable NAME when it is passed
// as NAME=VALUE (a variable the request set), otherwise with the default (an unset
// variable). A directive this script does not understand is an error, as is any exception
// while evaluating the script.
'use strict';

const fs = require('fs');
const vm = require('vm');

const [file, ...assignments] = process.argv.slice(2);
if (!file) {
    console.error('usage: configjs.js CONFIG_JS [NAME=VALUE ...]');
    process.exit(2);
}
const vars = new Map();
for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq < 1) {
        console.error(`configjs.js: expected NAME=VALUE, got ${JSON.stringify(a)}`);
        process.exit(2);
    }
    vars.set(a.slice(0, eq), a.slice(eq + 1));
}

// nginx's `echo` entity-encodes by default (encoding="entity").
const entity = (s) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

let source = fs.readFileSync(file, 'utf8');
source = source.replace(/<!--#\s*echo\s+var="([^"]*)"(?:\s+default="([^"]*)")?\s*-->/g, (_, name, dflt) =>
    vars.has(name) ? entity(vars.get(name)) : dflt === undefined ? '(none)' : dflt,
);
const leftover = source.match(/<!--#[^]*?-->/);
if (leftover) {
    console.error(`configjs.js: ${file}: SSI directive not understood: ${leftover[0]}`);
    process.exit(1);
}

const context = vm.createContext({});
vm.runInContext(source, context, { filename: file });
if (typeof context.config !== 'object' || context.config === null) {
    console.error(`configjs.js: ${file} defines no \`config\` object`);
    process.exit(1);
}
process.stdout.write(JSON.stringify(context.config) + '\n');
