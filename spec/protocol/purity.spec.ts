import * as fs from 'node:fs';
import { sourceFiles, violations as scan } from '../helpers/import-scan';
import * as path from 'node:path';

const PROTOCOL_DIR = path.resolve(__dirname, '../../lib/protocol');

const FORBIDDEN_MODULE = /^(node:)?(net|tls|timers)(\/.*)?$|^rxjs(\/.*)?$/;
const FORBIDDEN_CALL = /\b(setTimeout|setInterval|setImmediate)\b/;

function violations(source: string): string[] {
  return scan(source, FORBIDDEN_MODULE, FORBIDDEN_CALL);
}

describe('lib/protocol purity', () => {
  const files = sourceFiles(PROTOCOL_DIR);

  it('finds the protocol sources', () => {
    expect(files.map((f) => path.basename(f))).toEqual(
      jasmine.arrayContaining(['frame-decoder.ts', 'as-msg.ts', 'admin.ts', 'info.ts', 'compression.ts', 'login.ts', 'password-hash.ts']),
    );
  });

  it('imports no sockets, rxjs or timers and schedules nothing', () => {
    for (const file of files) {
      expect(violations(fs.readFileSync(file, 'utf8'))).withContext(path.relative(PROTOCOL_DIR, file)).toEqual([]);
    }
  });

  it('recognises every forbidden import and timer call (the check is not vacuous)', () => {
    const bad = [
      "import { Socket } from 'net';",
      "import * as tls from 'node:tls';",
      "import { Observable } from 'rxjs';",
      "import { map } from 'rxjs/operators';",
      "import { setTimeout as sleep } from 'node:timers/promises';",
      "const net = require('node:net');",
      "export { connect } from 'tls';",
      "const t = import('timers');",
      'setTimeout(() => undefined, 1);',
      'const h = setInterval(f, 5);',
      'setImmediate(f);',
    ];
    for (const line of bad) expect(violations(line).length).withContext(line).toBeGreaterThan(0);
    expect(violations("import { inflateSync } from 'node:zlib'; // never setTimeout here\nimport './netty';")).toEqual([]);
  });
});
