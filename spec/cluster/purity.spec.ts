import * as fs from 'node:fs';
import { sourceFiles, violations as scan } from '../helpers/import-scan';
import * as path from 'node:path';

const DIRS = ['cluster', 'client'].map((d) => path.resolve(__dirname, '../../lib', d));

// sockets, the transport implementation and timers stay out; time comes from the injected scheduler
const FORBIDDEN_MODULE = /^(node:)?(net|tls|timers|dgram|http|https)(\/.*)?$|(^|\/)net(\/|$)/;
const FORBIDDEN_CALL = /\b(setTimeout|setInterval|setImmediate|Date\.now|performance\.now|process\.hrtime)\b/;

function violations(source: string): string[] {
  return scan(source, FORBIDDEN_MODULE, FORBIDDEN_CALL);
}

describe('lib/cluster and lib/client purity', () => {
  const files = DIRS.flatMap(sourceFiles);

  it('finds the cluster sources', () => {
    expect(files.map((f) => path.basename(f))).toEqual(jasmine.arrayContaining(['tender.ts', 'executor.ts', 'node-pool.ts', 'router.ts', 'partition-map.ts']));
  });

  it('imports no sockets, lib/net or timers and reads no clock but the scheduler', () => {
    for (const file of files) expect(violations(fs.readFileSync(file, 'utf8'))).withContext(path.relative(path.resolve(__dirname, '../..'), file)).toEqual([]);
  });

  it('recognises every forbidden import, timer and clock (the check is not vacuous)', () => {
    const bad = [
      "import { Socket } from 'net';",
      "import * as tls from 'node:tls';",
      "import { TcpTransport } from '../net/tcp-transport';",
      "import { x } from '../../lib/net';",
      "import { setTimeout as sleep } from 'node:timers/promises';",
      "const net = require('node:net');",
      'setTimeout(() => undefined, 1);',
      'const t = Date.now();',
      'const h = process.hrtime.bigint();',
    ];
    for (const line of bad) expect(violations(line).length).withContext(line).toBeGreaterThan(0);
    expect(violations("import { timer } from 'rxjs'; // no setTimeout here\nimport { x } from './network-map';")).toEqual([]);
  });
});
