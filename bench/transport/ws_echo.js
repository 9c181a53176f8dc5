// The Node peer of the transport comparison (BENCHMARKS.md): the `ws`
// package's echo server, binary frames back as they came. Loopback only.
//   node ws_echo.js [--port N] [--port-file FILE]
'use strict';
const fs = require('fs');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(opt('--port', '0')), perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => {
  const { port } = wss.address();
  const file = opt('--port-file', '');
  if (file) fs.writeFileSync(file, `${port}\n`);
  console.log(`ws_echo on ws://127.0.0.1:${port}/ (ws ${require('ws/package.json').version}, node ${process.version})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { wss.close(); process.exit(0); });
