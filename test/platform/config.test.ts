import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEMO_ENCRYPTION_KEY, DEMO_SESSION_SECRET, loadConfig } from '../../src/config.js';
import { spawnCli, tempDir } from '../e2e/process.js';

const GOOD_SECRET = 'x'.repeat(48);
const GOOD_KEY = Buffer.alloc(32, 1).toString('base64');
const PROD = { NODE_ENV: 'production', SESSION_SECRET: GOOD_SECRET, ENCRYPTION_KEY: GOOD_KEY, BASE_URL: 'https://eenzaamheid.example.nl', DATABASE_URL: 'postgres://u:p@db.example/ete', SMTP_URL: 'smtps://u:p@smtp.example.nl:465' };

function problems(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return Object.fromEntries((e as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  return {};
}

describe('configuration', () => {
  it('defaults give a working demo set-up without any variable', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ env: 'development', production: false, demo: true, port: 3000, baseUrl: 'http://localhost:3000', jobs: true, trustProxy: false, rateLimitPerMinute: 10, sessionTtlHours: 8, logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('reports every bad variable in one error, naming each and what is expected', () => {
    const p = problems({ PORT: 'abc', BASE_URL: 'not a url', LOG_LEVEL: 'loud', SESSION_SECRET: 'short', ENCRYPTION_KEY: 'abc', SMTP_URL: 'mail.example', DATABASE_URL: 'mysql://x', JOBS: 'maybe', HELPDESK_EMAIL: 'nope' });
    expect(Object.keys(p).sort()).toEqual(['BASE_URL', 'DATABASE_URL', 'ENCRYPTION_KEY', 'HELPDESK_EMAIL', 'JOBS', 'LOG_LEVEL', 'PORT', 'SESSION_SECRET', 'SMTP_URL']);
    expect(p.PORT).toMatch(/port/);
    expect(p.ENCRYPTION_KEY).toMatch(/32 random bytes, base64/);
    expect(p.LOG_LEVEL).toMatch(/info/);
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT: .*\n.*LOG_LEVEL: /);
      expect((e as Error).message).toContain('README.md');
    }
  });

  it('treats empty values as not set', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', SMTP_URL: '' }).port).toBe(3000);
  });

  it('requires all three OIDC variables together', () => {
    expect(Object.keys(problems({ OIDC_ISSUER: 'https://idp.example' })).sort()).toEqual(['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']);
    const c = loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_CLIENT_ID: 'ete', OIDC_CLIENT_SECRET: 's' });
    expect(c.oidc).toMatchObject({ issuer: 'https://idp.example', clientId: 'ete', label: expect.any(String) });
  });

  it('production refuses missing secrets, demo secrets, demo mode, a missing or plain-http BASE_URL and a missing SMTP_URL', () => {
    expect(Object.keys(problems({ NODE_ENV: 'production' })).sort()).toEqual(['BASE_URL', 'ENCRYPTION_KEY', 'SESSION_SECRET', 'SMTP_URL']);
    const demo = problems({ ...PROD, SESSION_SECRET: DEMO_SESSION_SECRET, ENCRYPTION_KEY: DEMO_ENCRYPTION_KEY, DEMO_MODE: 'true' });
    expect(demo.SESSION_SECRET).toMatch(/demo/);
    expect(demo.ENCRYPTION_KEY).toMatch(/demo/);
    expect(demo.DEMO_MODE).toMatch(/not allowed in production/);
    expect(problems({ ...PROD, BASE_URL: 'http://eenzaamheid.example.nl' }).BASE_URL).toMatch(/https/);
    const c = loadConfig(PROD);
    expect(c).toMatchObject({ production: true, demo: false, baseUrl: 'https://eenzaamheid.example.nl' });
  });

  it('reads old encryption keys for rotation', () => {
    const old = Buffer.alloc(32, 2).toString('base64');
    expect(loadConfig({ ENCRYPTION_KEYS_OLD: ` ${old} , ` }).oldEncryptionKeys).toEqual([Buffer.alloc(32, 2)]);
  });
});

describe('the CLI with a bad configuration', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('exits 2 with one message naming every bad variable, before touching the database', async () => {
    const dataDir = path.join(tempDir('ete-cfg-'), 'data');
    dirs.push(path.dirname(dataDir));
    const run = spawnCli(['migrate'], { ...process.env, PORT: 'abc', LOG_LEVEL: 'loud', DATA_DIR: dataDir, DATABASE_URL: '', NODE_ENV: 'development' });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.output()).toContain('Invalid configuration');
    expect(run.output()).toMatch(/PORT: expected a port number/);
    expect(run.output()).toMatch(/LOG_LEVEL: expected one of/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('serve in production with demo secrets exits 2', async () => {
    const run = spawnCli(['serve'], { ...process.env, ...PROD, SESSION_SECRET: DEMO_SESSION_SECRET, PORT: '0' });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.output()).toMatch(/SESSION_SECRET: the demo secret is not allowed in production/);
  });

  it('an unknown command exits 2 and --help exits 0', async () => {
    const bad = spawnCli(['no-such-command'], process.env);
    const help = spawnCli(['--help'], process.env);
    const [b, h] = await Promise.all([bad.exited, help.exited]);
    expect(b.code).toBe(2);
    expect(bad.output()).toMatch(/unknown command/);
    expect(h.code).toBe(0);
    expect(help.output()).toMatch(/serve/);
    expect(help.output()).toMatch(/migrate/);
  });
});
