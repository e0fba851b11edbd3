import { describe, expect, it } from 'vitest';
import { can, scopeOf, type Principal, type Role } from './access.js';

const user = (role: Role, opts: { m?: number[]; o?: number[] } = {}): Principal => ({
  kind: 'user',
  id: 1,
  label: role,
  roles: [{ role, municipalityId: opts.m?.[0] ?? null, organisationId: opts.o?.[0] ?? null }],
  municipalityIds: opts.m ?? [],
  organisationIds: opts.o ?? [],
});

describe('can()', () => {
  it('denies everything to nobody', () => {
    expect(can(null, 'municipality:list')).toBe(false);
    expect(can(undefined, 'organisation:read', { organisationId: 1 })).toBe(false);
  });

  it('gives the programme admin everything', () => {
    const p = user('programme_admin');
    for (const a of ['municipality:create', 'user:manage', 'audit:read', 'outbox:read', 'apikey:manage', 'organisation:delete'] as const) expect(can(p, a, { municipalityId: 99 })).toBe(true);
    expect(scopeOf(p)).toEqual({ all: true });
  });

  it('limits a coordinator to their municipalities', () => {
    const p = user('municipality_coordinator', { m: [10, 11] });
    expect(can(p, 'municipality:read', { municipalityId: 10 })).toBe(true);
    expect(can(p, 'municipality:read', { municipalityId: 12 })).toBe(false);
    expect(can(p, 'municipality:update', { municipalityId: 11 })).toBe(true);
    expect(can(p, 'municipality:update', { municipalityId: 12 })).toBe(false);
    expect(can(p, 'municipality:update')).toBe(false); // an update always names its record
    expect(can(p, 'municipality:create')).toBe(false);
    expect(can(p, 'municipality:delete', { municipalityId: 10 })).toBe(false);
    expect(can(p, 'organisation:update', { municipalityId: 10 })).toBe(true);
    expect(can(p, 'organisation:update', { municipalityId: 12 })).toBe(false);
    expect(can(p, 'user:manage')).toBe(false);
    expect(can(p, 'audit:read')).toBe(false);
    expect(scopeOf(p)).toEqual({ all: false, municipalityIds: [10, 11], organisationIds: [] });
  });

  it('lets an advisor read, not change, assigned municipalities', () => {
    const p = user('advisor', { m: [5] });
    expect(can(p, 'municipality:read', { municipalityId: 5 })).toBe(true);
    expect(can(p, 'municipality:read', { municipalityId: 6 })).toBe(false);
    expect(can(p, 'municipality:update', { municipalityId: 5 })).toBe(false);
    expect(can(p, 'organisation:create')).toBe(false);
  });

  it('lets partners and providers keep only their own organisation', () => {
    for (const role of ['partner', 'provider'] as const) {
      const p = user(role, { o: [7] });
      expect(can(p, 'organisation:read', { organisationId: 7 })).toBe(true);
      expect(can(p, 'organisation:update', { organisationId: 7 })).toBe(true);
      expect(can(p, 'organisation:update', { organisationId: 8 })).toBe(false);
      expect(can(p, 'organisation:delete', { organisationId: 7 })).toBe(false);
      expect(can(p, 'municipality:list')).toBe(false);
    }
  });

  it('gives signal staff and visitors no registry management', () => {
    for (const role of ['signal_coordinator', 'signal_handler', 'visitor'] as const) {
      const p = user(role, { o: [7] });
      expect(can(p, 'municipality:list')).toBe(false);
      expect(can(p, 'organisation:update', { organisationId: 7 })).toBe(false);
      expect(can(p, 'user:manage')).toBe(false);
    }
  });

  it('lets an API key do only its named actions', () => {
    const key: Principal = { kind: 'api_key', id: 1, label: 'app', roles: [], municipalityIds: [], organisationIds: [3], apiActions: ['registry:read'] };
    expect(can(key, 'municipality:list')).toBe(true);
    expect(can(key, 'organisation:read', { organisationId: 99 })).toBe(true);
    expect(can(key, 'municipality:update', { municipalityId: 1 })).toBe(false);
    expect(can(key, 'user:manage')).toBe(false);
    expect(can({ ...key, apiActions: [] }, 'municipality:list')).toBe(false);
  });
});

describe('can() with several grants', () => {
  it("gives each role its rights only in that role's scope", () => {
    const p: Principal = {
      kind: 'user',
      id: 1,
      label: 'mixed',
      roles: [
        { role: 'municipality_coordinator', municipalityId: 1 },
        { role: 'advisor', municipalityId: 2 },
        { role: 'partner', organisationId: 10 },
        { role: 'signal_handler', organisationId: 11 },
      ],
      municipalityIds: [1, 2],
      organisationIds: [10, 11],
    };
    expect(can(p, 'municipality:update', { municipalityId: 1 })).toBe(true);
    expect(can(p, 'municipality:update', { municipalityId: 2 })).toBe(false); // only advisor there
    expect(can(p, 'municipality:read', { municipalityId: 2 })).toBe(true);
    expect(can(p, 'organisation:delete', { municipalityId: 2 })).toBe(false);
    expect(can(p, 'organisation:update', { organisationId: 10 })).toBe(true);
    expect(can(p, 'organisation:update', { organisationId: 11 })).toBe(false); // signal_handler there
    expect(can(p, 'neighbourhood:update', { municipalityId: 2 })).toBe(false);
  });
});
