import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupAddress, lookupUrl, parseLookupAnswer } from './pdok.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/pdok');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const v3 = fixture('pdok-locatieserver-v3-free-adres.json');
const v31 = fixture('pdok-locatieserver-v3_1-free-adres-restricted-fl.json');

describe('PDOK answer parsing (real answers)', () => {
  it('reads street, town and the CBS codes of a v3 adres document', () => {
    expect(parseLookupAnswer(v3, '1118CP', 202)).toEqual({
      street: 'Evert van de Beekstraat',
      city: 'Schiphol',
      municipalityCode: '0394',
      neighbourhoodCode: 'BU03941663',
    });
  });

  it('refuses documents of another postcode or house number', () => {
    expect(parseLookupAnswer(v3, '1118CP', 203)).toBeNull();
    expect(parseLookupAnswer(v3, '1118CQ', 202)).toBeNull();
  });

  it('picks the document with the asked addition from a v3_1 answer without buurtcode', () => {
    const a = parseLookupAnswer(v31, '2312NR', 23, 'A');
    expect(a).toEqual({ street: '3e Binnenvestgracht', city: 'Leiden', municipalityCode: '0546', neighbourhoodCode: null });
    // "L-1" is written with a dash in huis_nlt; the addition matches without it too.
    expect(parseLookupAnswer(v31, '2312NR', 23, 'L1')?.street).toBe('3e Binnenvestgracht');
    // No addition and no document without one: still the street of the house number.
    expect(parseLookupAnswer(v31, '2312NR', 23)?.city).toBe('Leiden');
  });

  it('gives null for answers that are not what we expect', () => {
    expect(parseLookupAnswer(null, '2312NR', 23)).toBeNull();
    expect(parseLookupAnswer({ response: { docs: [] } }, '2312NR', 23)).toBeNull();
    expect(parseLookupAnswer({ response: { docs: 'x' } }, '2312NR', 23)).toBeNull();
    expect(parseLookupAnswer({ response: { docs: [{ type: 'weg', straatnaam: 'X' }] } }, '2312NR', 23)).toBeNull();
    // A strange municipality code is dropped rather than passed to routing.
    expect(parseLookupAnswer({ response: { docs: [{ straatnaam: 'X', gemeentecode: 'DROP TABLE', buurtcode: 'nope' }] } }, '2312NR', 23)).toEqual({
      street: 'X',
      city: null,
      municipalityCode: null,
      neighbourhoodCode: null,
    });
  });

  it('asks the Locatieserver for one address of type adres with the fields it needs', () => {
    const u = new URL(lookupUrl('https://api.pdok.nl/bzk/locatieserver/search/v3_1/free', '2312NR', 23));
    expect(u.searchParams.get('q')).toBe('postcode:2312NR and huisnummer:23');
    expect(u.searchParams.get('fq')).toBe('type:adres');
    expect(u.searchParams.get('fl')).toContain('gemeentecode');
    expect(u.searchParams.get('fl')).toContain('buurtcode');
  });
});

describe('PDOK client (local HTTP server, never the internet)', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const mode = u.pathname.slice(1);
      if (mode === 'slow') return void setTimeout(() => res.end(JSON.stringify(v3)), 3000);
      if (mode === 'error') return void res.writeHead(500).end('boom');
      if (mode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>onderhoud</html>');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v3));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('looks an address up', async () => {
    const r = await lookupAddress('1118CP', 202, null, { baseUrl: `${base}/ok` });
    expect(r).toMatchObject({ street: 'Evert van de Beekstraat', city: 'Schiphol', municipalityCode: '0394' });
    expect(seen.at(-1)).toContain('fq=type%3Aadres');
  });

  it('gives up after the timeout, without retrying, and never throws', async () => {
    const before = seen.length;
    const reasons: string[] = [];
    const t0 = Date.now();
    const r = await lookupAddress('1118CP', 202, null, { baseUrl: `${base}/slow`, timeoutMs: 300, onFailure: (x) => reasons.push(x) });
    expect(r).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(reasons).toEqual(['timeout']);
    expect(seen.length - before).toBe(1);
  });

  it('treats a server error, a non-JSON answer and an unreachable server as no answer', async () => {
    const reasons: string[] = [];
    const onFailure = (x: string) => reasons.push(x);
    expect(await lookupAddress('1118CP', 202, null, { baseUrl: `${base}/error`, onFailure })).toBeNull();
    expect(await lookupAddress('1118CP', 202, null, { baseUrl: `${base}/html`, onFailure })).toBeNull();
    expect(await lookupAddress('1118CP', 202, null, { baseUrl: 'http://127.0.0.1:1/free', onFailure })).toBeNull();
    expect(reasons[0]).toBe('http 500');
    expect(reasons[1]).toBe('answer not JSON');
    expect(reasons[2]).toMatch(/^network/);
  });

  it('does nothing when switched off', async () => {
    const before = seen.length;
    expect(await lookupAddress('1118CP', 202, null, { baseUrl: null })).toBeNull();
    expect(seen.length).toBe(before);
  });
});
