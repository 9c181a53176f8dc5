// Generates web/station/station-proto.json, the station protocol's
// descriptor for protobufjs, from proto/admit/station.proto, so the browser
// speaks exactly the kiosk's protocol. `node scripts/station_proto.mjs`
// writes it; `--check` exits 1 when the committed file is out of date (a
// ctest test runs that, so a proto change without a regenerated file fails).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, '..');
const proto = path.resolve(web, '..', 'proto', 'admit', 'station.proto');
const out = path.join(web, 'station', 'station-proto.json');
let protobuf;
try {
    protobuf = createRequire(path.join(web, 'node_modules', 'x.js'))('protobufjs');
} catch {
    process.stdout.write('SKIP: web/node_modules/protobufjs is missing (run `npm ci` in web/)\n');
    process.exit(77);  // ctest SKIP_RETURN_CODE
}

const root = protobuf.parse(fs.readFileSync(proto, 'utf8'), { keepCase: true }).root;
const text = `${JSON.stringify(root.toJSON(), null, 1)}\n`;
if (process.argv.includes('--check')) {
    const now = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (now !== text) {
        process.stderr.write(`${out} is out of date with ${proto}: run \`node web/scripts/station_proto.mjs\` and commit it\n`);
        process.exit(1);
    }
    process.stdout.write(`${path.basename(out)} matches ${path.basename(proto)}\n`);
} else {
    fs.writeFileSync(out, text);
    process.stdout.write(`wrote ${out}\n`);
}
