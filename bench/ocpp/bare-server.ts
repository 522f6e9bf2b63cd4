/**
 * Part 3's comparison server, run as its own process (`node dist/bench/ocpp/bare-server.js PORT`):
 * ocpp-rpc answering the same actions, nothing stored. BENCH_BARE_STRICT (default 1) validates
 * requests against ocpp-rpc's bundled 1.6 schemas, as ours does.
 */
import { RPCServer } from 'ocpp-rpc';
import { BARE_STRICT } from './settings.js';

async function bareServer(port: number): Promise<void> {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: BARE_STRICT });
  let transactionId = 0;
  server.on('client', (client) => {
    client.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }));
    client.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    client.handle('StatusNotification', () => ({}));
    client.handle('MeterValues', () => ({}));
    client.handle('StartTransaction', () => ({ transactionId: ++transactionId, idTagInfo: { status: 'Accepted' } }));
  });
  await server.listen(port, '127.0.0.1');
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => void server.close({ force: true, awaitPending: false }).finally(() => process.exit(0)));
}

await bareServer(Number(process.argv[2]));
