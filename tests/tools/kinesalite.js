// Starts an in-memory kinesalite bound to loopback only (its CLI listens on all interfaces).
// Usage: node kinesalite.js <port>   (0 = let the OS pick). Prints "listening <port>" when ready.
'use strict';
const port = parseInt(process.argv[2] || '0', 10);
const server = require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
server.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log('listening ' + server.address().port);
});
// Exit when the parent closes our stdin, so a crashed test host leaves no orphan server.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
