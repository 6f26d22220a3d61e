import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../libs/config/src/config';
import { projectRoot } from '../../libs/persistence/src/project-root';

// Every setting is read in one place (libs/config/src/config.ts), CONFIG_VARIABLES lists exactly the
// variables read there, and the README's configuration table lists exactly those.

const root = projectRoot();
const configSource = readFileSync(join(root, 'libs', 'config', 'src', 'config.ts'), 'utf8');

/** Variable names config.ts reads: `env.NAME`, `env['NAME']`, and the helpers' `(env, 'NAME', …)`. */
export function variablesReadBy(source: string): Set<string> {
  const out = new Set<string>();
  for (const re of [/\benv\.([A-Z][A-Z0-9_]*)/g, /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g, /\(env, ['"]([A-Z][A-Z0-9_]*)['"]/g]) {
    for (const m of source.matchAll(re)) out.add(m[1]);
  }
  return out;
}

/** The first column of the table under "## Configuration" in README.md. */
export function readmeVariables(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('configuration', () => {
  it('CONFIG_VARIABLES is exactly the set of variables config.ts reads (no duplicates)', () => {
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
    expect([...CONFIG_VARIABLES].sort()).toEqual([...variablesReadBy(configSource)].sort());
  });

  it('the README configuration table lists exactly CONFIG_VARIABLES, each once', () => {
    const rows = readmeVariables();
    expect(rows.filter((v, i) => rows.indexOf(v) !== i)).toEqual([]);
    expect([...rows].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('no server code outside config.ts reads process.env', () => {
    const offenders = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))]
      .filter((f) => !f.endsWith(join('libs', 'config', 'src', 'config.ts')))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('bad values stop the start with a message naming the variable', () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['LOG_LEVEL', 'verbose'],
      ['LOG_FORMAT', 'xml'],
      ['SHUTDOWN_TIMEOUT_MS', '1.5'],
      ['RECONCILER_ENABLED', 'maybe'],
      ['DATABASE_URL', 'mysql://x'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    }
  });
});
