// Starts kinesalite on 127.0.0.1 only (its own command line listens on every interface) and exits with its parent.
const port = parseInt(process.argv[2], 10);
const server = require('kinesalite')({ createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: 50 });
server.listen(port, '127.0.0.1', err => {
  if (err) {
    console.error('kinesalite: ' + err.message);
    process.exit(1);
  }
  console.log('kinesalite listening on 127.0.0.1:' + port);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
