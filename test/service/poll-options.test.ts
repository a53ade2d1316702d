/** `serve` starts the poller only when told where to poll, and refuses half a configuration. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const serve = (...args: string[]) => {
  const env = { ...process.env };
  delete env.INCODE_API_KEY;
  delete env.INCODE_EXECUTIVE_TOKEN;
  return spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', ...args], {
    encoding: 'utf8',
    env,
    timeout: 20_000,
  });
};

describe('serve --poll-url', () => {
  it('refuses a poll URL without an API key, saying which option is missing (exit 2)', () => {
    const result = serve('--port', '0', '--poll-url', 'http://127.0.0.1:9/api');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--poll-url needs --poll-api-key');
  });

  it('takes an empty INCODE_API_KEY for a missing one', () => {
    const result = spawnSync(
      process.execPath,
      ['dist/src/cli/main.js', 'serve', '--port', '0', '--poll-url', 'http://127.0.0.1:9/api'],
      { encoding: 'utf8', env: { ...process.env, INCODE_API_KEY: '' }, timeout: 20_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--poll-url needs --poll-api-key');
  });

  it('refuses a poll URL without a token or a login', () => {
    const result = serve('--port', '0', '--poll-url', 'http://127.0.0.1:9/api', '--poll-api-key', 'k');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--poll-token');
  });

  it('lists the poll options in its help', () => {
    const result = serve('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--poll-url URL');
  });
});
