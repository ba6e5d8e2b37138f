// Source scanning for the purity specs: every module specifier and forbidden call of a source tree,
// comments excluded so prose may name what the code must not use.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [full] : [];
  });
}

/** Every module specifier: import … from 'x', import 'x', export … from 'x', require('x'), import('x'). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** `imports x` for each forbidden module, `uses f` for each forbidden call. */
export function violations(source: string, forbiddenModule: RegExp, forbiddenCall: RegExp): string[] {
  const code = withoutComments(source);
  return [
    ...specifiers(code).filter((s) => forbiddenModule.test(s)).map((s) => `imports ${s}`),
    ...[...code.matchAll(new RegExp(forbiddenCall.source, 'g'))].map((m) => `uses ${m[1]}`),
  ];
}
