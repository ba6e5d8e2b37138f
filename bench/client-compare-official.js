// The other side of `npm run bench:client`: the same load with the official `aerospike` client (a C
// addon, installed on demand outside the repo by scripts/check-official.ts). Prints one JSON line.
'use strict';

async function main() {
  const job = JSON.parse(process.argv[2]);
  const Aerospike = require(require('node:path').join(process.env.AEROSPIKE_OFFICIAL_DIR, 'node_modules', 'aerospike'));
  const hosts = job.hosts.split(',').map((h) => ({ addr: h.split(':')[0], port: Number(h.split(':')[1]) }));
  const client = await Aerospike.connect({
    hosts,
    policies: { read: new Aerospike.ReadPolicy({ totalTimeout: 1000, socketTimeout: 500 }), write: new Aerospike.WritePolicy({ totalTimeout: 1000 }) },
    log: { level: Aerospike.log.OFF },
  });
  const value = 'x'.repeat(100);
  const one = (i) => {
    const key = new Aerospike.Key('test', job.set, i % job.keys);
    return job.op === 'get' ? client.get(key) : client.put(key, { n: i, s: value });
  };
  const run = async (count, record) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next < count) {
          const i = next++;
          const start = process.hrtime.bigint();
          try {
            await one(i);
            if (record) record.latencies[i] = Number(process.hrtime.bigint() - start) / 1e6;
          } catch {
            if (record) record.failed++;
          }
        }
      }),
    );
  };
  await run(Math.min(2000, job.ops));
  const record = { latencies: new Float64Array(job.ops), failed: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(job.ops, record);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  const sorted = [...record.latencies].sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ ops: job.ops, failed: record.failed, wallMs, cpuUs: cpu.user + cpu.system, p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] })}\n`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
