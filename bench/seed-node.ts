// Seeds a real node (AEROSPIKE_HOST/AEROSPIKE_PORT) with the bench sets through TcpTransport puts,
// so the scenarios read the same shapes as from the simulated node. argv: host port.

import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../lib/net/tcp-transport';
import { encodePut } from '../lib/protocol/requests';
import { BENCH_NAMESPACE, BENCH_SETS, SCAN_RECORD_BYTES } from './sets';

async function main(): Promise<void> {
  const [host, port] = process.argv.slice(2);
  const transport = new TcpTransport();
  const conn = await firstValueFrom(transport.connect$(host!, Number(port)));
  const put = (set: string, key: number, data: Buffer) =>
    firstValueFrom(transport.command$(conn, encodePut({ namespace: BENCH_NAMESPACE, set, key }, { n: key, data }), 5000));
  await put(BENCH_SETS.get, 0, Buffer.alloc(100, 0x61));
  const blob = Buffer.alloc(SCAN_RECORD_BYTES, 0x61);
  for (let i = 0; i < 50; i++) await put(BENCH_SETS.scanSmall, i, blob);
  for (let i = 0; i < 2000; i++) await put(BENCH_SETS.scanLarge, i, blob);
  transport.close(conn);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
