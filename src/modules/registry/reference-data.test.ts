import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CBS_MUNICIPALITY, CBS_PROVINCE, readShippedMunicipalities, readShippedProvinces } from './service.js';

/**
 * The product ships the official list of municipalities and provinces (data/*.csv). These tests
 * check its invariants always, and compare it with the reference copy in ../shared/reference
 * when that folder exists next to the repository (it is not part of the repository).
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REFERENCE_DIR = path.resolve(REPO_ROOT, '../shared/reference');
const hasReference = fs.existsSync(path.join(REFERENCE_DIR, 'gemeenten-2025.csv')) && fs.existsSync(path.join(REFERENCE_DIR, 'provinces.csv'));

const municipalities = readShippedMunicipalities();
const provinces = readShippedProvinces();

describe('shipped reference data (always checked)', () => {
  it('has 342 municipalities with unique, well-formed CBS codes and names', () => {
    expect(municipalities).toHaveLength(342);
    const codes = municipalities.map((m) => m.cbsCode);
    expect(new Set(codes).size).toBe(342);
    for (const m of municipalities) {
      expect(m.cbsCode, JSON.stringify(m)).toMatch(CBS_MUNICIPALITY);
      expect(m.name.trim(), m.cbsCode).not.toBe('');
      expect(m.name, m.cbsCode).toBe(m.name.trim());
    }
    expect(new Set(municipalities.map((m) => m.name.toLowerCase())).size).toBe(342); // CBS names are unique (suffixes such as "Bergen (L.)")
  });

  it('has the 12 provinces, PV20 to PV31, each with a name', () => {
    expect(provinces).toHaveLength(12);
    expect(provinces.map((p) => p.code).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `PV${20 + i}`));
    for (const p of provinces) {
      expect(p.code).toMatch(CBS_PROVINCE);
      expect(p.name.trim()).not.toBe('');
    }
  });

  it('refers only to provinces that exist, with the same name, and every province has municipalities', () => {
    const byCode = new Map(provinces.map((p) => [p.code, p.name]));
    for (const m of municipalities) {
      expect(byCode.has(m.provinceCode), `${m.cbsCode} -> ${m.provinceCode}`).toBe(true);
      expect(m.provinceName, m.cbsCode).toBe(byCode.get(m.provinceCode));
    }
    const used = new Set(municipalities.map((m) => m.provinceCode));
    expect([...byCode.keys()].filter((c) => !used.has(c))).toEqual([]);
  });
});

describe('shipped reference data against ../shared/reference', () => {
  it.skipIf(!hasReference)(
    `matches gemeenten-2025.csv and provinces.csv in ${hasReference ? REFERENCE_DIR : '../shared/reference (SKIPPED: folder not present on this machine)'}`,
    () => {
      const ref = readShippedMunicipalities(path.join(REFERENCE_DIR, 'gemeenten-2025.csv'));
      const refProvinces = readShippedProvinces(path.join(REFERENCE_DIR, 'provinces.csv'));
      const key = (m: { cbsCode: string; name: string; provinceCode: string; provinceName?: string }) => `${m.cbsCode}|${m.name}|${m.provinceCode}|${m.provinceName ?? ''}`;
      const shipped = new Set(municipalities.map(key));
      const reference = new Set(ref.map(key));
      expect([...reference].filter((k) => !shipped.has(k)), 'in the reference, missing or different in the shipped list').toEqual([]);
      expect([...shipped].filter((k) => !reference.has(k)), 'in the shipped list, not in the reference').toEqual([]);
      expect(provinces.map((p) => `${p.code}|${p.name}`).sort()).toEqual(refProvinces.map((p) => `${p.code}|${p.name}`).sort());
    },
  );
});
