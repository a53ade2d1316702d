/**
 * The one reader of flow configuration files (`--flow FILE`), for every command that takes one:
 * `{"modules":["id","face",...]}`, each a module a flow may or may not have.
 */
import { readFileSync } from 'node:fs';
import type { FlowConfig } from '../types.js';
import { ONBOARDING_MODULES } from '../vendor/modules.js';
import { InputError } from './usage.js';

/** Read a flow configuration file; `undefined` when no file is given. */
export function readFlow(path: string | undefined): FlowConfig | undefined {
  if (path === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`cannot read --flow ${path}: ${reason}`);
  }
  const modules = (value as { modules?: unknown } | null)?.modules;
  if (!Array.isArray(modules)) throw new InputError(`--flow ${path}: expected {"modules":[...]}`);
  const unknown = modules.filter((module) => !ONBOARDING_MODULES.includes(module));
  if (unknown.length > 0) {
    throw new InputError(
      `--flow ${path}: unknown module ${unknown.map((m) => JSON.stringify(m)).join(', ')}; expected some of ${ONBOARDING_MODULES.join(', ')}`,
    );
  }
  return { modules };
}
