import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { Page, navFor, PROGRAMME_NAME } from '../views/layout.js';
import { ButtonLink, Heading, Link, P } from '../views/components.js';
import { can, ROLE_LABELS } from '../access.js';
import { registryCounts } from '../../modules/registry/service.js';
import { countUnrouted } from '../../modules/signals/unrouted.js';

/** Public pages, the signed-in start page, and the health endpoints. */
export async function pageRoutes(app: FastifyInstance) {
  const { database } = app.ctx;

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_req, reply) => {
    try {
      await database.db.execute(sql`select 1`);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).header('retry-after', '30').send({ status: 'unavailable', database: 'unreachable' });
    }
  });

  app.get('/', async (req, reply) =>
    reply.page({ title: 'Welkom' }, (ctx) => (
      <Page ctx={ctx} title="Welkom">
        <Heading>{PROGRAMME_NAME}</Heading>
        <P>
          Eén op de drie Nederlanders voelt zich eenzaam. Met het actieprogramma Eén tegen eenzaamheid werken gemeenten, organisaties en
          inwoners samen om eenzaamheid te signaleren, te doorbreken en te voorkomen.
        </P>
        <P>
          Op dit platform houden gemeenten, lokale coalities, adviseurs en het programmateam het register van deelnemende gemeenten en
          organisaties bij.
        </P>
        {/* The public entrances of the signal point (src/modules/signals/intake-form.tsx). */}
        <section class="home-signal">
          <Heading level={2}>Zorgen over iemand?</Heading>
          <P>
            Denkt u dat iemand in uw buurt, winkel of werk eenzaam is? Geef het door aan het signaalpunt in de gemeente. Een sociaal werker
            neemt dan contact op. U heeft geen account nodig.
          </P>
          <P>
            <ButtonLink href="/signaal-doorgeven" variant="primary">
              Geef een signaal door
            </ButtonLink>
          </P>
          <Heading level={2}>Voelt u zich eenzaam?</Heading>
          <P>Wilt u graag contact met iemand in de buurt? Laat het ons weten, dan belt of mailt iemand van het welzijnswerk u.</P>
          <P>
            <ButtonLink href="/contact-gezocht">Ik wil graag contact</ButtonLink>
          </P>
        </section>
        <Heading level={2}>Voor medewerkers</Heading>
        {req.principal ? (
          <ButtonLink href="/beheer" variant="primary">
            Naar uw overzicht
          </ButtonLink>
        ) : (
          <ButtonLink href="/inloggen">Inloggen voor medewerkers</ButtonLink>
        )}
      </Page>
    )),
  );

  app.get('/beheer', async (req, reply) => {
    const p = req.requireUser();
    const counts = await registryCounts(database.db, p);
    // The programme team's unrouted signal queue (src/modules/signals/unrouted.tsx).
    const unrouted = can(p, 'signal:route') ? await countUnrouted(database.db) : null;
    const nav = navFor(p).filter((n) => n.href !== '/beheer');
    return reply.page({ title: 'Overzicht', crumbs: [{ label: 'Overzicht' }] }, (ctx) => (
      <Page ctx={ctx} title="Overzicht" crumbs={[{ label: 'Overzicht' }]}>
        <Heading>Overzicht</Heading>
        <P>
          Welkom, {p.label}. Uw rol{p.roles.length > 1 ? 'len' : ''}: {[...new Set(p.roles.map((r) => ROLE_LABELS[r.role]))].join(', ') || 'geen'}.
        </P>
        {counts && (
          <dl class="stat-list">
            <div>
              <dt>Gemeenten in uw overzicht</dt>
              <dd>{counts.municipalities}</dd>
            </div>
            <div>
              <dt>Deelnemende gemeenten</dt>
              <dd>{counts.participating}</dd>
            </div>
            <div>
              <dt>Organisaties</dt>
              <dd>{counts.organisations}</dd>
            </div>
            {unrouted !== null && (
              <div>
                <dt>Signalen zonder signaalpunt</dt>
                <dd>
                  <Link href="/signalen/niet-gerouteerd">{unrouted}</Link>
                </dd>
              </div>
            )}
          </dl>
        )}
        <Heading level={2}>Wat wilt u doen?</Heading>
        {nav.length ? (
          <ul class="utrecht-unordered-list">
            {nav.map((n) => (
              <li class="utrecht-unordered-list__item">
                <Link href={n.href}>{n.label}</Link>
              </li>
            ))}
          </ul>
        ) : (
          <P>Voor uw rol zijn nog geen onderdelen beschikbaar. Neem contact op met het programmateam als u meer toegang nodig heeft.</P>
        )}
      </Page>
    ));
  });

  app.get('/toegankelijkheid', async (_req, reply) =>
    reply.page({ title: 'Toegankelijkheidsverklaring' }, (ctx) => (
      <Page ctx={ctx} title="Toegankelijkheidsverklaring" crumbs={[{ href: '/', label: 'Home' }, { label: 'Toegankelijkheid' }]}>
        <Heading>Toegankelijkheidsverklaring</Heading>
        <P>
          Wij willen dat iedereen dit platform kan gebruiken, ook mensen met een beperking en mensen die minder digitaal vaardig zijn. Het
          platform is gebouwd volgens de eisen van WCAG 2.1 niveau AA, zoals de wet voorschrijft voor overheidsorganisaties.
        </P>
        <Heading level={2}>Wat we doen</Heading>
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">Elke pagina werkt zonder JavaScript en met alleen een toetsenbord.</li>
          <li class="utrecht-unordered-list__item">Formulieren hebben labels, en fouten worden bij het veld en bovenaan de pagina getoond.</li>
          <li class="utrecht-unordered-list__item">Informatie wordt nooit alleen met kleur overgebracht; bij elke grafiek staat een tabel.</li>
          <li class="utrecht-unordered-list__item">Bij elke wijziging controleren automatische tests elke pagina met axe op WCAG 2.1 AA.</li>
        </ul>
        <Heading level={2}>Iets niet toegankelijk?</Heading>
        <P>
          Loopt u tegen een probleem aan? Mail de helpdesk via <Link href={`mailto:${app.ctx.config.helpdeskEmail}`}>{app.ctx.config.helpdeskEmail}</Link>. U
          krijgt binnen vijf werkdagen antwoord.
        </P>
      </Page>
    )),
  );

  app.get('/privacy', async (_req, reply) =>
    reply.page({ title: 'Privacyverklaring' }, (ctx) => (
      <Page ctx={ctx} title="Privacyverklaring" crumbs={[{ href: '/', label: 'Home' }, { label: 'Privacy' }]}>
        <Heading>Privacyverklaring</Heading>
        <P>
          Het ministerie van Volksgezondheid, Welzijn en Sport is verantwoordelijk voor dit platform. We verwerken alleen de gegevens die
          nodig zijn om het programma Eén tegen eenzaamheid uit te voeren, volgens de Algemene verordening gegevensbescherming (AVG).
        </P>
        <Heading level={2}>Welke gegevens</Heading>
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">
            Van medewerkers met een account: naam, e-mailadres, rol en organisatie of gemeente, om toegang te geven.
          </li>
          <li class="utrecht-unordered-list__item">
            Van contactpersonen van gemeenten en organisaties: naam en zakelijke contactgegevens, om het programma te organiseren.
          </li>
          <li class="utrecht-unordered-list__item">Een auditlog van wie wat wanneer heeft gedaan, om misbruik te kunnen opsporen.</li>
        </ul>
        <Heading level={2}>Beveiliging</Heading>
        <P>
          Persoonsgegevens zijn alleen zichtbaar voor wie ze nodig heeft voor zijn of haar taak. Gevoelige persoonsgegevens worden versleuteld
          opgeslagen. Elke inzage in persoonsgegevens wordt vastgelegd.
        </P>
        <Heading level={2}>Uw rechten</Heading>
        <P>
          U kunt vragen welke gegevens we van u hebben, en ze laten verbeteren of verwijderen. Mail daarvoor de helpdesk via{' '}
          <Link href={`mailto:${app.ctx.config.helpdeskEmail}`}>{app.ctx.config.helpdeskEmail}</Link>.
        </P>
      </Page>
    )),
  );
}
