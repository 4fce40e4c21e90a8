// The floor for the relay's AMI cost: a bare Node AMI reader that logs in, splits the stream on the
// blank line and counts messages, nothing else. Run as its own process by bench/relay-load.ts, with
// the same runtime as the relay (node --import tsx); prints its count as a JSON line every 250 ms.
// Usage: bare-ami-reader.ts <host> <port> <username> <secret>
import net from 'node:net';

const [host = '127.0.0.1', port = '5038', username = 'relay', secret = 'relaysecret'] = process.argv.slice(2);
let messages = 0;
let tail = '';
const sock = net.createConnection({ host, port: Number(port) });
sock.setEncoding('utf8');
sock.once('data', () => sock.write(`Action: Login\r\nUsername: ${username}\r\nSecret: ${secret}\r\nEvents: on\r\n\r\n`));
sock.on('data', (chunk: string) => {
  const text = tail + chunk;
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    messages++;
    at = end + 4;
  }
  tail = text.slice(at);
});
sock.on('close', () => process.exit(0));
setInterval(() => process.stdout.write(`${JSON.stringify({ messages })}\n`), 250);
