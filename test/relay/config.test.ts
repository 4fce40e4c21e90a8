import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../relay/config.js';

const base = {
  PEREZVON_URL: 'https://perezvon.example.workers.dev/',
  PEREZVON_PBX: 'office',
  PEREZVON_RELAY_TOKEN: 'pzr_0123456789abcdefghijKLMNOP',
  AMI_URL: 'ami://perezvon:s%40cret@127.0.0.1:5038',
};

describe('relay configuration', () => {
  it('reads the Worker and AMI settings, decoding the AMI URL', () => {
    const c = loadConfig(base);
    expect(c.worker).toEqual({ url: 'https://perezvon.example.workers.dev', pbx: 'office', token: base.PEREZVON_RELAY_TOKEN });
    expect(c.ami).toEqual({ host: '127.0.0.1', port: 5038, username: 'perezvon', secret: 's@cret' });
    expect(c.capacity).toBe(4);
    expect(c.journalPath).toBe('.perezvon/journal-office.jsonl');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('accepts the AMI settings as separate variables', () => {
    const { AMI_URL: _omit, ...rest } = base;
    const c = loadConfig({ ...rest, AMI_HOST: 'pbx.local', AMI_USERNAME: 'u', AMI_SECRET: 'p' });
    expect(c.ami).toEqual({ host: 'pbx.local', port: 5038, username: 'u', secret: 'p' });
  });

  it('names every bad variable and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, PEREZVON_RELAY_TOKEN: 'not-a-token-but-a-secret', AMI_URL: 'http://u:hunter2@h', PEREZVON_URL: 'ftp://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PEREZVON_RELAY_TOKEN/);
    expect(message).toMatch(/AMI_URL/);
    expect(message).toMatch(/PEREZVON_URL/);
    expect(message).not.toMatch(/hunter2|not-a-token-but-a-secret/);
  });

  it('asks for AMI settings when none are given', () => {
    const { AMI_URL: _omit, ...rest } = base;
    expect(() => loadConfig(rest)).toThrow(/AMI_URL/);
  });
});
