/**
 * The package as users get it: `npm pack`, then `npm install` of the tarball in a fresh project.
 * What the README links to is in it; installing the library compiles nothing native; the core and
 * the main entry import; the README's code runs verbatim from the installed package (and
 * type-checks against its declarations); the bin works; a store whose driver is missing says
 * which package to install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'os-package-'));
const project = join(dir, 'fresh');
const installed = join(project, 'node_modules', 'onboarding-status');
let shipped: string[] = [];
let installSeconds = 0;
let installLog = '';

/** The environment without what `npm test` exports to its scripts (it would steer the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

/** Run node in the fresh project. */
function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', env: cleanEnv() });
}

/** A ```ts block of a README that starts with `first`. */
function codeBlock(readme: string, first: string): string {
  const found = new RegExp(`\`\`\`ts\\n(${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?)\`\`\``).exec(readme);
  if (!found) throw new Error(`no ts block starting with ${first}`);
  return found[1] as string;
}

beforeAll(() => {
  // Packed from the build `npm test` made (no prepare script: the other suites run that build).
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: cleanEnv(),
    }),
  ) as { filename: string; files: { path: string }[] }[];
  shipped = (packed?.files ?? []).map((file) => file.path);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
  const started = performance.now();
  installLog = execFileSync(
    'npm',
    [
      'install',
      join(dir, packed?.filename as string),
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--foreground-scripts',
    ],
    { cwd: project, encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  installSeconds = (performance.now() - started) / 1000;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the README, LICENSE, CHANGELOG, the build, the contracts, and no source maps', () => {
    for (const file of [
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
      'dist/src/index.js',
      'dist/src/core.js',
    ]) {
      expect(shipped).toContain(file);
    }
    for (const file of [
      'schemas/delivery-record.schema.json',
      'schemas/session-view.schema.json',
      'docs/openapi.json',
      'docs/spec.md',
    ]) {
      expect(shipped).toContain(file);
    }
    expect(shipped.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(shipped.filter((file) => file.startsWith('test/') || file.startsWith('src/'))).toEqual([]);
  });

  it('ships every file the README and the docs link to', () => {
    const missing: string[] = [];
    for (const page of shipped.filter((file) => file.endsWith('.md'))) {
      const text = readFileSync(join(installed, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target as string)) continue;
        const path = normalize(join(dirname(page), (target as string).split('#')[0] as string)).replace(/\/$/, '');
        if (!shipped.some((file) => file === path || file.startsWith(`${path}/`))) missing.push(`${page}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('npm install of the tarball in a fresh project', () => {
  it('compiles nothing native and installs no database driver', () => {
    console.info(`npm install of the packed tarball: ${installSeconds.toFixed(1)} s`);
    const packages = readdirSync(join(project, 'node_modules'), { recursive: true, withFileTypes: true });
    expect(packages.filter((entry) => entry.isFile() && entry.name.endsWith('.node')).map((e) => e.name)).toEqual([]);
    expect(packages.filter((entry) => entry.name === 'binding.gyp').map((e) => e.parentPath)).toEqual([]);
    const withInstallScripts = packages
      .filter((entry) => entry.isFile() && entry.name === 'package.json' && !entry.parentPath.includes('/test'))
      .filter((entry) => {
        const scripts = (JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')) as { scripts?: object })
          .scripts;
        return scripts !== undefined && ['preinstall', 'install', 'postinstall'].some((name) => name in scripts);
      })
      .map((entry) => entry.parentPath);
    expect(withInstallScripts).toEqual([]);
    expect(existsSync(join(project, 'node_modules', 'better-sqlite3'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'postgres'))).toBe(false);
    expect(installLog).not.toMatch(/node-gyp|prebuild-install/);
  });

  it('imports onboarding-status/core and onboarding-status', () => {
    const run = node([
      '--input-type=module',
      '-e',
      "const core = await import('onboarding-status/core'); const main = await import('onboarding-status');" +
        'console.log(typeof core.Ledger, typeof main.Ledger, typeof main.createWebhookHandler, typeof main.sessionViewSchema, typeof core.createWebhookHandler)',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('function function function object undefined\n');
  });

  it("runs the README's library example verbatim, and type-checks it against the shipped declarations", () => {
    const example = codeBlock(readFileSync(join(installed, 'README.md'), 'utf8'), '// Embed the core');
    writeFileSync(join(project, 'embed.mjs'), example);
    const run = node(['embed.mjs']);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').slice(0, 2)).toEqual(['ONBOARDING_FINISHED', 'none']);
    expect(run.stdout).toContain("[ 'stale-poll', 'late-delivery' ]");

    writeFileSync(join(project, 'embed.ts'), example);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [] },
        files: ['embed.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('says which package to install when the service needs a database driver, then mounts the handler as the README shows', () => {
    const example = codeBlock(readFileSync(join(installed, 'README.md'), 'utf8'), '// Mount the webhook service');
    writeFileSync(join(project, 'mount.mjs'), example);
    const without = node(['mount.mjs']);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain(
      'the SQLite store needs the better-sqlite3 package, which is not installed: npm install better-sqlite3@12',
    );
    const bin = node([join(project, 'node_modules', '.bin', 'onboarding-status'), 'serve', '--port', '0']);
    expect(bin.status).toBe(1);
    expect(bin.stderr).toContain('npm install better-sqlite3@12');

    // As if the user installed the driver: the repository's build of it (compiling it here would take minutes).
    symlinkSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(project, 'node_modules', 'better-sqlite3'));
    const run = node(['mount.mjs']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe("204\n[ 'face', 'governmentValidation', 'id', 'scores', 'secondId' ]\n");
  });

  it('runs the command line from its bin, on the examples it ships', () => {
    const bin = join(project, 'node_modules', '.bin', 'onboarding-status');
    const clean = node([bin, 'validate', join(installed, 'examples', 'in-order.jsonl')]);
    expect(clean.status).toBe(0);
    const problems = node([bin, 'replay', join(installed, 'examples', 'invalid-payloads.jsonl')]);
    expect(problems.status).toBe(1);
    expect(problems.stdout).toContain('x3');
  });
});
