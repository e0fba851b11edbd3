import { eq } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/index.js';
import type { AppContext } from '../../src/platform/context.js';
import { neighbourhoods, organisations } from '../../src/modules/registry/schema.js';
import { postcodeAddressAreas, postcodeAreas, signalPoints, signalRoutingRules, signals } from '../../src/modules/signals/schema.js';
import { receiveSignal, type SignalInput } from '../../src/modules/signals/intake.js';
import { createUser } from './app.js';
import { municipalityId } from './registry.js';

/**
 * Test data for the signal point. `setupSignalPoint` builds one municipality's whole chain:
 * a handling organisation, its default signal point, two neighbourhoods, postcodes that route
 * there, and a signal coordinator and two handlers of the organisation.
 */

export interface SignalPointSetup {
  municipalityId: number;
  organisationId: number;
  signalPointId: number;
  neighbourhoodIds: [number, number];
  /** Postcodes in the table: [0] in neighbourhood 0, [1] in neighbourhood 1 (house number 99 of [0] lies in neighbourhood 1). */
  postcodes: [string, string];
  coordinator: { id: number; email: string };
  handlers: [{ id: number; email: string }, { id: number; email: string }];
}

let seq = 0;

export async function setupSignalPoint(
  db: Db,
  opts: { cbsCode?: string; orgName?: string; postcodes?: [string, string]; emailPrefix?: string; isDefault?: boolean; firstContactDays?: number; retentionMonths?: number } = {},
): Promise<SignalPointSetup> {
  const n = ++seq;
  const cbsCode = opts.cbsCode ?? 'GM0344';
  const mId = await municipalityId(db, cbsCode);
  const [org] = await db
    .insert(organisations)
    .values({ name: opts.orgName ?? `Welzijn ${cbsCode} ${n}`, kind: 'welfare', municipalityId: mId })
    .returning({ id: organisations.id });
  const code = cbsCode.slice(2);
  const nbs = await db
    .insert(neighbourhoods)
    .values([
      { code: `BU${code}${String(n).padStart(2, '0')}01`, kind: 'neighbourhood', name: `Binnenstad ${n}`, municipalityId: mId },
      { code: `BU${code}${String(n).padStart(2, '0')}02`, kind: 'neighbourhood', name: `Noordwijk ${n}`, municipalityId: mId },
    ])
    .onConflictDoNothing()
    .returning({ id: neighbourhoods.id });
  const [point] = await db
    .insert(signalPoints)
    .values({
      municipalityId: mId,
      organisationId: org.id,
      name: `Signaalpunt ${cbsCode} ${n}`,
      isDefault: opts.isDefault ?? true,
      firstContactDays: opts.firstContactDays ?? 2,
      retentionMonths: opts.retentionMonths ?? 6,
    })
    .returning({ id: signalPoints.id });
  const postcodes = opts.postcodes ?? ([`35${String(10 + n).padStart(2, '0')}AB`, `35${String(10 + n).padStart(2, '0')}CD`] as [string, string]);
  await db.insert(postcodeAreas).values([
    { postcode: postcodes[0], municipalityId: mId, neighbourhoodId: nbs[0].id, source: 'cbs', addressCount: 20 },
    { postcode: postcodes[1], municipalityId: mId, neighbourhoodId: nbs[1].id, source: 'cbs', addressCount: 12 },
  ]);
  await db.insert(postcodeAddressAreas).values({ postcode: postcodes[0], houseNumber: 99, municipalityId: mId, neighbourhoodId: nbs[1].id, source: 'cbs' });
  const prefix = opts.emailPrefix ?? `sp${n}`;
  const coordinator = await createUser(db, `${prefix}-coordinator@test.example`, [{ role: 'signal_coordinator', organisationId: org.id }]);
  const h1 = await createUser(db, `${prefix}-handler1@test.example`, [{ role: 'signal_handler', organisationId: org.id }]);
  const h2 = await createUser(db, `${prefix}-handler2@test.example`, [{ role: 'signal_handler', organisationId: org.id }]);
  return {
    municipalityId: mId,
    organisationId: org.id,
    signalPointId: point.id,
    neighbourhoodIds: [nbs[0].id, nbs[1].id],
    postcodes,
    coordinator: { id: coordinator.id, email: coordinator.email },
    handlers: [
      { id: h1.id, email: h1.email },
      { id: h2.id, email: h2.email },
    ],
  };
}

/** A routing rule: signals matching the criteria go to `signalPointId`. */
export async function addRule(db: Db, rule: { municipalityId: number; signalPointId: number; position?: number; neighbourhoodId?: number; ageGroup?: string; signallerType?: string }) {
  const [r] = await db.insert(signalRoutingRules).values(rule).returning();
  return r;
}

/** A complete, valid signal input about someone at `postcode` + `houseNumber`. */
export function signalInput(postcode: string, houseNumber = 12, overrides: Partial<SignalInput> = {}): SignalInput {
  return {
    kind: 'worry',
    signallerType: 'pharmacy',
    ageGroup: 'elderly',
    signs: ['rarely_outside', 'says_lonely'],
    personKnows: 'no',
    feedbackRequested: true,
    person: { name: 'Mevrouw De Vries', street: 'Dorpsstraat', houseNumber, postcode, city: 'Utrecht' },
    signaller: { name: 'Apotheker Jansen', email: 'apotheek@test.example', organisation: 'Apotheek Centrum' },
    story: 'Mevrouw komt elke week haar medicijnen halen en vertelt dat ze niemand meer spreekt.',
    ...overrides,
  };
}

/** Stores a signal through the real intake (routing included). */
export async function addSignal(ctx: AppContext, input: SignalInput, opts: { now?: Date; channel?: 'form' | 'api'; idempotencyKey?: string } = {}) {
  return receiveSignal(ctx.database.db, ctx.cipher, input, {
    channel: opts.channel ?? 'form',
    idempotencyKey: opts.idempotencyKey ?? null,
    now: opts.now,
    audit: { label: 'test' },
    jobs: null,
    helpdeskEmail: ctx.config.helpdeskEmail,
    baseUrl: ctx.config.baseUrl,
  });
}

export async function signalRow(db: Db, id: number) {
  const [s] = await db.select().from(signals).where(eq(signals.id, id));
  return s;
}
