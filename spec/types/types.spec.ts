// Types as a user's strict project sees them: the package's declarations are emitted (as `npm run
// build` does), then a fixture importing 'aerospike-rx-transport' must compile under the strictest
// common options, and every `@ts-expect-error` line in it must really be an error (TS reports unused ones).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, 'client-usage.fixture.ts');

function emitDeclarations(outDir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram(config.fileNames, { ...config.options, outDir, declaration: true, emitDeclarationOnly: true, sourceMap: false, declarationMap: false });
  const result = program.emit();
  return result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function userDiagnostics(declarations: string, file: string, host?: ts.CompilerHost): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitReturns: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules/@types')],
    baseUrl: ROOT,
    paths: {
      'aerospike-rx-transport': [path.join(declarations, 'lib/index.d.ts')],
      'aerospike-rx-transport/testing': [path.join(declarations, 'lib/testing/index.d.ts')],
    },
    skipLibCheck: true,
    noEmit: true,
  };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file === undefined || d.start === undefined ? '' : `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `;
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('public types in a strict user project', () => {
  let declarations: string;
  beforeAll(() => {
    // inside the project, so the declarations' own imports (rxjs, node types) resolve as in an install
    const cache = path.join(ROOT, 'node_modules', '.cache');
    fs.mkdirSync(cache, { recursive: true });
    declarations = fs.mkdtempSync(path.join(cache, 'aerospike-rx-types-'));
    expect(emitDeclarations(declarations)).toEqual([]);
  }, 120_000);
  afterAll(() => fs.rmSync(declarations, { recursive: true, force: true }));

  it('compile correct use and reject every wrong use marked @ts-expect-error', () => {
    expect(userDiagnostics(declarations, FIXTURE)).toEqual([]);
  }, 60_000);

  it('would report a wrong use that was not marked (the check is not vacuous)', () => {
    const probe = path.join(__dirname, '__probe.ts');
    const host = ts.createCompilerHost({});
    const read = host.readFile.bind(host);
    const exists = host.fileExists.bind(host);
    host.readFile = (f) => (path.resolve(f) === probe ? 'import { op } from "aerospike-rx-transport";\nop.add("n", "one");\n' : read(f));
    host.fileExists = (f) => path.resolve(f) === probe || exists(f);
    expect(userDiagnostics(declarations, probe, host).join('\n')).toContain("Argument of type 'string' is not assignable");
  }, 60_000);
});
