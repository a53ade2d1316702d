import { describe, expect, it } from 'vitest';
import { pollerOptionsOf } from '../../src/poller/options.js';

describe("the poller's options for serve", () => {
  it('polling is off without --poll-url', () => {
    expect(pollerOptionsOf({}, { INCODE_API_KEY: 'k', INCODE_EXECUTIVE_TOKEN: 't' })).toBeUndefined();
  });

  it('takes the token as given, from the command line or the environment', () => {
    expect(pollerOptionsOf({ 'poll-url': 'http://127.0.0.1:9', 'poll-api-key': 'k', 'poll-token': 't' })).toEqual({
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'k',
      token: 't',
    });
    expect(
      pollerOptionsOf(
        { 'poll-url': 'http://127.0.0.1:9', 'poll-concurrency': '8' },
        { INCODE_API_KEY: 'k', INCODE_EXECUTIVE_TOKEN: 't' },
      ),
    ).toEqual({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', token: 't', concurrency: 8 });
  });

  it('logs in when given a login URL, the password only from the environment', () => {
    const options = pollerOptionsOf(
      { 'poll-url': 'http://127.0.0.1:9', 'poll-login-url': 'http://127.0.0.1:9/executive/log-in', 'poll-email': 'e' },
      { INCODE_API_KEY: 'k', INCODE_EXECUTIVE_PASSWORD: 'p' },
    );
    expect(typeof options?.token === 'object' && typeof options.token.login).toBe('function');
  });

  it('says what is missing', () => {
    expect(() => pollerOptionsOf({ 'poll-url': 'http://127.0.0.1:9' })).toThrow(/--poll-api-key/);
    expect(() => pollerOptionsOf({ 'poll-url': 'http://127.0.0.1:9', 'poll-api-key': 'k' })).toThrow(/--poll-token/);
    expect(() =>
      pollerOptionsOf({
        'poll-url': 'http://127.0.0.1:9',
        'poll-api-key': 'k',
        'poll-login-url': 'http://127.0.0.1:9/l',
      }),
    ).toThrow(/INCODE_EXECUTIVE_PASSWORD/);
    expect(() =>
      pollerOptionsOf({
        'poll-url': 'http://127.0.0.1:9',
        'poll-api-key': 'k',
        'poll-token': 't',
        'poll-concurrency': '0',
      }),
    ).toThrow(/positive integer/);
  });
});
