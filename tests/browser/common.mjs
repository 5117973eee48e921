// Shared by the browser tests: start `kolm serve` on a free loopback port
// and resolve with the process and the URL it prints.
import { spawn } from 'node:child_process';

export function startServer(kolm) {
  return new Promise((resolve, reject) => {
    const srv = spawn(kolm, ['serve', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const t = setTimeout(() => reject(new Error('kolm serve did not print its URL: ' + out)), 15000);
    srv.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/\S+\/)/);
      if (m) {
        clearTimeout(t);
        resolve({ srv, url: m[1] });
      }
    });
    srv.stderr.on('data', (d) => { out += d; });
    srv.on('exit', (code) => { clearTimeout(t); reject(new Error('kolm serve exited ' + code + ': ' + out)); });
  });
}
