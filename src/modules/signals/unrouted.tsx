import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { audit, type AuditContext } from '../../platform/audit.js';
import { addWorkingDays } from '../../platform/time.js';
import { formValues, listParams, pathId } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { Page, type Crumb } from '../../platform/views/layout.js';
import { Alert, Button, CsrfField, DataTable, ErrorSummary, Heading, Link, P, Pagination, SelectField, SummaryList, type Column, type FieldErrors, type ListQuery } from '../../platform/views/components.js';
import { municipalities, organisations } from '../registry/schema.js';
import { decryptSignal } from './personal.js';
import { resolveArea, routeInMunicipality, type Area } from './routing.js';
import { signalEvents, signalPoints, signals } from './schema.js';
import type { AgeGroup, SignallerType } from './model.js';

/**
 * The programme's queue of signals without a signal point ('signal:route', programme team):
 * the list, manual routing of one signal, and "route again" after a configuration change.
 *
 * The programme team is not the handling organisation: it sees the reference, the reason, the
 * municipality and only the four digits of the postcode (PC4), decrypted for that purpose and
 * audit-logged as read_personal. Never the name, house number, story or signaller.
 */

const BASE = '/signalen/niet-gerouteerd';
const HOME: Crumb = { href: '/beheer', label: 'Overzicht' };
const QUEUE: Crumb = { href: BASE, label: 'Niet gerouteerd' };
const waitingCondition = and(isNull(signals.signalPointId), eq(signals.status, 'new'));

/** Number of signals waiting in the unrouted queue (for the admin overview). */
export async function countUnrouted(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(signals).where(waitingCondition);
  return r?.n ?? 0;
}

export interface QueueRow {
  id: number;
  reference: string;
  receivedAt: Date;
  municipalityId: number | null;
  municipalityName: string | null;
  reasonKind: string | null;
  reasonCode: string | null;
  returnedByName: string | null;
  returnedById: number | null;
  /** The postcode's four digits; null when the personal data was removed. */
  pc4: string | null;
}

/** The latest "why is it here" event of a signal: 'unrouted' at intake, or 'not_for_us' from an organisation. */
const reasonEvent = (col: 'kind' | 'code' | 'organisation_id') =>
  sql.raw(`(select e.${col} from signal_events e where e.signal_id = signals.id and e.kind in ('unrouted', 'not_for_us') order by e.at desc, e.id desc limit 1)`);

/** What the queue shows of a signal (person_enc only to take the PC4 from). */
const queueFields = {
  id: signals.id,
  reference: signals.reference,
  receivedAt: signals.receivedAt,
  municipalityId: signals.municipalityId,
  municipalityName: municipalities.name,
  personEnc: signals.personEnc,
  reasonKind: sql<string | null>`${reasonEvent('kind')}`,
  reasonCode: sql<string | null>`${reasonEvent('code')}`,
  returnedById: sql<number | null>`${reasonEvent('organisation_id')}`,
};

/** The four digits of the postcode, decrypted (the caller audit-logs the read). */
function pc4Of(cipher: FieldCipher, personEnc: string | null): string | null {
  const person = personEnc ? decryptSignal(cipher, { personEnc, signallerEnc: null, storyEnc: null }).person : null;
  return person?.postcode ? person.postcode.slice(0, 4) : null;
}

/** Waiting signals, oldest first, with PC4 (decrypted) — the caller audit-logs the read. */
export async function listQueue(db: Db, cipher: FieldCipher, page: number, pageSize: number): Promise<{ rows: QueueRow[]; total: number }> {
  const [raw, [{ total }]] = await Promise.all([
    db
      .select(queueFields)
      .from(signals)
      .leftJoin(municipalities, eq(municipalities.id, signals.municipalityId))
      .where(waitingCondition)
      .orderBy(asc(signals.receivedAt), asc(signals.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db.select({ total: sql<number>`count(*)::int` }).from(signals).where(waitingCondition),
  ]);
  const orgIds = [...new Set(raw.map((r) => r.returnedById).filter((x): x is number => x != null))];
  const orgNames = new Map(orgIds.length ? (await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, orgIds))).map((o) => [o.id, o.name]) : []);
  const rows = raw.map(({ personEnc, ...r }) => ({ ...r, returnedByName: r.returnedById != null ? (orgNames.get(r.returnedById) ?? null) : null, pc4: pc4Of(cipher, personEnc) }));
  return { rows, total };
}

export function reasonText(r: Pick<QueueRow, 'reasonKind' | 'reasonCode' | 'returnedByName'>): string {
  if (r.reasonKind === 'not_for_us') return `Teruggestuurd door ${r.returnedByName ?? 'de organisatie'}: niet voor hen`;
  if (r.reasonCode === 'unknown_postcode') return 'Postcode onbekend';
  if (r.reasonCode === 'no_signal_point') return 'Geen signaalpunt voor de gemeente';
  return 'Onbekend';
}

/** "12 minuten geleden", "3 uur geleden", "2 dagen geleden". */
export function ago(then: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 60_000));
  if (minutes < 1) return 'zojuist';
  if (minutes < 60) return `${minutes} ${minutes === 1 ? 'minuut' : 'minuten'} geleden`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} uur geleden`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? 'dag' : 'dagen'} geleden`;
}

const fmt = (d: Date) => d.toLocaleString('nl-NL', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'short' });

/**
 * Active signal points to route to: the given municipality's first, then by municipality and name.
 * A point of a deleted organisation is no target (nobody would see the signal).
 */
export async function routeTargets(db: Db, municipalityId: number | null) {
  return db
    .select({
      id: signalPoints.id,
      name: signalPoints.name,
      municipalityId: signalPoints.municipalityId,
      municipalityName: municipalities.name,
      organisationId: signalPoints.organisationId,
      organisationName: organisations.name,
      firstContactDays: signalPoints.firstContactDays,
    })
    .from(signalPoints)
    .innerJoin(municipalities, eq(municipalities.id, signalPoints.municipalityId))
    .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
    .where(eq(signalPoints.active, true))
    .orderBy(sql`${signalPoints.municipalityId} = ${municipalityId ?? 0} desc`, asc(municipalities.name), sql`${signalPoints.isDefault} desc`, asc(signalPoints.name));
}

export type RouteResult = { ok: true; organisationId: number } | { ok: false; reason: 'not_waiting' | 'point' };

interface RouteTarget {
  id: number;
  organisationId: number;
  municipalityId: number;
  firstContactDays: number;
}

/**
 * Gives a waiting signal its signal point, in one transaction: the signal (point, organisation,
 * municipality when unknown, routed_by, routed_at, due date), a 'routed' event and an audit entry.
 * Only while the signal is still waiting (a concurrent routing wins once).
 */
async function routeWaiting(
  db: Db,
  actx: AuditContext,
  signalId: number,
  point: RouteTarget,
  opts: { routedBy: 'manual' | Area['routedBy']; area?: Area | null; now: Date; via: 'manual' | 'route_again' },
): Promise<boolean> {
  const userId = actx.principal?.kind === 'user' ? actx.principal.id : null;
  return db.transaction(async (tx) => {
    const area = opts.area;
    const [done] = await tx
      .update(signals)
      .set({
        signalPointId: point.id,
        organisationId: point.organisationId,
        ...(area
          ? { municipalityId: area.municipalityId, neighbourhoodId: area.neighbourhoodId }
          : { municipalityId: sql`coalesce(${signals.municipalityId}, ${point.municipalityId}::int)` }),
        routedBy: opts.routedBy,
        routedAt: opts.now,
        dueAt: addWorkingDays(opts.now, point.firstContactDays),
        updatedAt: opts.now,
      })
      .where(and(eq(signals.id, signalId), waitingCondition))
      .returning({ id: signals.id, municipalityId: signals.municipalityId });
    if (!done) return false;
    await tx.insert(signalEvents).values({ signalId, at: opts.now, userId, kind: 'routed', organisationId: point.organisationId, code: `${opts.routedBy}:${point.id}` });
    await audit(tx, actx, {
      action: 'route',
      entity: 'signal',
      entityId: signalId,
      details: { via: opts.via, routedBy: opts.routedBy, signalPointId: point.id, organisationId: point.organisationId, municipalityId: done.municipalityId },
    });
    return true;
  });
}

/** Routes one waiting signal by hand to an active signal point of an organisation that still exists. */
export async function routeManually(db: Db, actx: AuditContext, signalId: number, pointId: number, now: Date): Promise<RouteResult> {
  const [point] = await db
    .select({ id: signalPoints.id, organisationId: signalPoints.organisationId, municipalityId: signalPoints.municipalityId, firstContactDays: signalPoints.firstContactDays })
    .from(signalPoints)
    .innerJoin(organisations, and(eq(organisations.id, signalPoints.organisationId), isNull(organisations.deletedAt)))
    .where(and(eq(signalPoints.id, pointId), eq(signalPoints.active, true)));
  if (!point) return { ok: false, reason: 'point' };
  const ok = await routeWaiting(db, actx, signalId, point, { routedBy: 'manual', now, via: 'manual' });
  return ok ? { ok: true, organisationId: point.organisationId } : { ok: false, reason: 'not_waiting' };
}

export interface RouteAgainResult {
  waiting: number;
  routed: number;
  /** Would go back to the organisation that returned it as "not for us": left for manual routing. */
  skippedReturned: number;
}

/**
 * Runs the routing again for every waiting signal (after a configuration change or a postcode
 * import): resolveArea on the postcode and house number (decrypted, audit-logged), else the
 * municipality the signal already has; then routeInMunicipality. Each signal in its own transaction.
 */
export async function routeAgain(db: Db, cipher: FieldCipher, actx: AuditContext, now: Date): Promise<RouteAgainResult> {
  const waiting = await db
    .select({
      id: signals.id,
      personEnc: signals.personEnc,
      municipalityId: signals.municipalityId,
      neighbourhoodId: signals.neighbourhoodId,
      ageGroup: signals.ageGroup,
      signallerType: signals.signallerType,
      reasonKind: sql<string | null>`${reasonEvent('kind')}`,
      returnedById: sql<number | null>`${reasonEvent('organisation_id')}`,
    })
    .from(signals)
    .where(waitingCondition)
    .orderBy(asc(signals.receivedAt));
  const decrypted = waiting.filter((s) => s.personEnc).map((s) => s.id);
  if (decrypted.length) {
    await audit(db, actx, { action: 'read_personal', entity: 'signal', details: { signalIds: decrypted, fields: ['postcode', 'huisnummer'], purpose: 'opnieuw routeren (niet getoond)' } });
  }
  let routed = 0;
  let skippedReturned = 0;
  for (const s of waiting) {
    const person = s.personEnc ? decryptSignal(cipher, { personEnc: s.personEnc, signallerEnc: null, storyEnc: null }).person : null;
    let area: Area | null = person ? await resolveArea(db, person.postcode, person.houseNumber) : null;
    if (!area && s.municipalityId) area = { municipalityId: s.municipalityId, neighbourhoodId: s.neighbourhoodId, routedBy: 'pdok' };
    if (!area) continue;
    const point = await routeInMunicipality(db, area.municipalityId, { neighbourhoodId: area.neighbourhoodId, ageGroup: s.ageGroup as AgeGroup, signallerType: s.signallerType as SignallerType });
    if (!point) continue;
    if (s.reasonKind === 'not_for_us' && s.returnedById === point.organisationId) {
      skippedReturned++;
      continue;
    }
    const ok = await routeWaiting(db, actx, s.id, { ...point, municipalityId: area.municipalityId }, { routedBy: area.routedBy, area, now, via: 'route_again' });
    if (ok) routed++;
  }
  return { waiting: waiting.length, routed, skippedReturned };
}

/* ------------------------------------------------------------------------------------------
 * Routes
 * ---------------------------------------------------------------------------------------- */

export async function unroutedRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;
  const cipher = app.ctx.cipher;

  app.get(BASE, async (req, reply) => {
    req.authorize('signal:route');
    const lp = listParams(req.query as Record<string, unknown>, [], 'receivedAt', 50);
    const { rows, total } = await listQueue(db, cipher, lp.page, lp.pageSize);
    const shown = rows.filter((r) => r.pc4).map((r) => r.id);
    if (shown.length) {
      await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'signal', details: { signalIds: shown, fields: ['postcode (alleen de 4 cijfers)'], screen: 'niet-gerouteerd' } });
    }
    const now = new Date();
    const query: ListQuery = { page: lp.page, pageSize: lp.pageSize };
    const columns: Column<QueueRow>[] = [
      { key: 'reference', label: 'Referentie', render: (r) => r.reference },
      {
        key: 'receivedAt',
        label: 'Ontvangen',
        render: (r) => (
          <>
            {fmt(r.receivedAt)} <span class="sp-ago">({ago(r.receivedAt, now)})</span>
          </>
        ),
      },
      { key: 'reason', label: 'Reden', render: (r) => reasonText(r) },
      { key: 'municipality', label: 'Gemeente', render: (r) => r.municipalityName ?? 'Onbekend' },
      { key: 'pc4', label: 'Postcode (4 cijfers)', render: (r) => r.pc4 ?? '—' },
      {
        key: 'action',
        label: 'Actie',
        render: (r) => (
          <Link href={`${BASE}/${r.id}/routeren`} aria-label={`Signaal ${r.reference} routeren`}>
            Routeren
          </Link>
        ),
      },
    ];
    return reply.page({ title: 'Signalen zonder signaalpunt' }, (ctx) => (
      <Page ctx={ctx} title="Signalen zonder signaalpunt" crumbs={[HOME, { label: 'Niet gerouteerd' }]}>
        <Heading>Signalen zonder signaalpunt</Heading>
        <P>
          Deze signalen konden niet automatisch naar een signaalpunt: de postcode is onbekend, de gemeente heeft geen signaalpunt, of de organisatie
          heeft het signaal teruggestuurd. Routeer ze zo snel mogelijk, zodat iemand binnen twee werkdagen contact kan opnemen. U ziet alleen de vier
          cijfers van de postcode; de gegevens van de persoon en de melder zijn alleen voor het signaalpunt.
        </P>
        {total > 0 ? (
          <Alert kind="warning">
            {total === 1 ? 'Er wacht 1 signaal' : `Er wachten ${total} signalen`} op een signaalpunt.
          </Alert>
        ) : (
          <Alert kind="success">Er wachten geen signalen.</Alert>
        )}
        <DataTable caption="Wachtende signalen, oudste eerst" columns={columns} rows={rows} base={BASE} query={query} empty="Geen signalen in de wachtrij." />
        <Pagination base={BASE} query={query} total={total} />
        {total > 0 && (
          <section aria-labelledby="opnieuw">
            <h2 class="utrecht-heading-2" id="opnieuw">
              Opnieuw routeren
            </h2>
            <P>
              Is er een signaalpunt of postcode toegevoegd? Dan kunt u alle wachtende signalen opnieuw laten routeren. Signalen die daarbij terug zouden
              gaan naar de organisatie die ze terugstuurde, blijven staan.
            </P>
            <form method="post" action={`${BASE}/opnieuw-routeren`} class="form-actions">
              <CsrfField token={ctx.csrfToken} />
              <Button variant="secondary">Alle wachtende signalen opnieuw routeren</Button>
            </form>
          </section>
        )}
        <P>
          <Link href="/signaalpunten">Signaalpunten per gemeente</Link> · <Link href="/signaalpunten/postcodes">Postcode opzoeken of corrigeren</Link>
        </P>
      </Page>
    ));
  });

  app.post(`${BASE}/opnieuw-routeren`, async (req, reply) => {
    req.authorize('signal:route');
    const r = await routeAgain(db, cipher, req.auditCtx(), new Date());
    const left = r.waiting - r.routed;
    reply.flash(
      r.routed ? 'success' : 'info',
      `${r.routed === 1 ? '1 signaal is' : `${r.routed} signalen zijn`} gerouteerd; ${left === 1 ? 'er wacht nog 1 signaal' : `er wachten nog ${left} signalen`}.${
        r.skippedReturned ? ` ${r.skippedReturned === 1 ? '1 signaal zou' : `${r.skippedReturned} signalen zouden`} terug gaan naar de organisatie die het terugstuurde: routeer die met de hand.` : ''
      }`,
    );
    return reply.redirect(BASE, 303);
  });

  async function waitingSignal(req: FastifyRequest) {
    req.authorize('signal:route');
    const id = pathId((req.params as { id: string }).id);
    const [row] = await db
      .select(queueFields)
      .from(signals)
      .leftJoin(municipalities, eq(municipalities.id, signals.municipalityId))
      .where(and(eq(signals.id, id), waitingCondition));
    if (!row) throw new NotFoundError('Dit signaal wacht niet (meer) op een signaalpunt.');
    const [org] = row.returnedById != null ? await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, row.returnedById)) : [];
    const { personEnc, ...rest } = row;
    return { ...rest, pc4: pc4Of(cipher, personEnc), returnedByName: org?.name ?? null };
  }

  const renderRoute = async (req: FastifyRequest, reply: FastifyReply, s: Awaited<ReturnType<typeof waitingSignal>>, form: { values: Record<string, unknown>; errors: FieldErrors }, status = 200) => {
    if (s.pc4) await audit(db, req.auditCtx(), { action: 'read_personal', entity: 'signal', entityId: s.id, details: { fields: ['postcode (alleen de 4 cijfers)'], screen: 'niet-gerouteerd/routeren' } });
    const targets = await routeTargets(db, s.municipalityId);
    const options = targets.map((t) => ({ value: String(t.id), label: `${t.municipalityName}: ${t.name} (${t.organisationName})` }));
    const title = `Signaal ${s.reference} routeren`;
    return reply.page({ title, status }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[HOME, QUEUE, { label: s.reference }]}>
        <Heading>{title}</Heading>
        <ErrorSummary errors={form.errors} labels={{ signalPointId: 'Signaalpunt' }} />
        <SummaryList
          items={[
            ['Referentie', s.reference],
            ['Ontvangen', `${fmt(s.receivedAt)} (${ago(s.receivedAt, new Date())})`],
            ['Reden', reasonText(s)],
            ['Gemeente', s.municipalityName ?? 'Onbekend'],
            ['Postcode (4 cijfers)', s.pc4 ?? '—'],
          ]}
        />
        {options.length === 0 ? (
          <Alert kind="warning">
            Er is nog geen enkel actief signaalpunt. <Link href="/signaalpunten">Richt eerst een signaalpunt in.</Link>
          </Alert>
        ) : (
          <form method="post" action={`${BASE}/${s.id}/routeren`} novalidate class="form">
            <CsrfField token={ctx.csrfToken} />
            <SelectField
              name="signalPointId"
              label="Signaalpunt"
              form={form}
              required
              placeholder="Kies een signaalpunt"
              options={options}
              hint={s.municipalityName ? `De signaalpunten van ${s.municipalityName} staan bovenaan.` : 'De gemeente is onbekend: kies het signaalpunt van de gemeente waar de postcode ligt.'}
            />
            <P>De organisatie van het signaalpunt ziet het signaal daarna in haar inbox; de termijn voor het eerste contact begint nu.</P>
            <div class="form-actions">
              <Button>Signaal routeren</Button>
              <Link href={BASE}>Annuleren</Link>
            </div>
          </form>
        )}
      </Page>
    ));
  };

  app.get(`${BASE}/:id/routeren`, async (req, reply) => {
    const s = await waitingSignal(req);
    return renderRoute(req, reply, s, { values: {}, errors: {} });
  });

  app.post(`${BASE}/:id/routeren`, async (req, reply) => {
    const s = await waitingSignal(req);
    const values = formValues(req.body);
    const pointId = Number(values.signalPointId);
    if (!Number.isInteger(pointId) || pointId <= 0 || pointId > 2_147_483_647) {
      return renderRoute(req, reply, s, { values, errors: { signalPointId: 'Kies het signaalpunt waar het signaal heen moet.' } }, 422);
    }
    const r = await routeManually(db, req.auditCtx(), s.id, pointId, new Date());
    if (!r.ok && r.reason === 'point') return renderRoute(req, reply, s, { values, errors: { signalPointId: 'Kies een actief signaalpunt uit de lijst.' } }, 422);
    if (!r.ok) reply.flash('info', `Signaal ${s.reference} was al gerouteerd.`);
    else reply.flash('success', `Signaal ${s.reference} is gerouteerd.`);
    return reply.redirect(BASE, 303);
  });
}
