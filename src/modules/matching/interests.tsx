import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Principal } from '../../platform/access.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { formValues, parseForm, pathId } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page } from '../../platform/views/layout.js';
import { Button, CheckboxGroup, CsrfField, DataTable, ErrorSummary, Heading, Link, P, RadioGroup, SelectField, type Column, type FormState } from '../../platform/views/components.js';
import { listProvinces } from '../registry/service.js';
import { nlDate } from '../registry/ui.js';
import { createInterest, deleteInterest, INTEREST_FIELD_LABELS, interestFormSchema, listInterests, MAX_INTERESTS, type InterestRow } from './interests-service.js';
import { BASE, BOARD_CRUMBS, THEME_OPTIONS, themeLabel } from './views.js';

/**
 * Saved interests (/vraag-en-aanbod/interesses): a user saves themes, optionally a kind and a
 * province, and gets one e-mail per new matching post (see interests-service). Everyone who may
 * read the board may save interests; each user sees and deletes only their own.
 */

const PATH = `${BASE}/interesses`;

export async function interestRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  async function page(reply: FastifyReply, p: Principal, form: FormState, status = 200) {
    const [interests, provs] = await Promise.all([listInterests(db, p.id), listProvinces(db)]);
    const columns = (csrf: string): Column<InterestRow>[] => [
      { key: 'themes', label: "Thema's", render: (r) => r.themes.map(themeLabel).join(', ') },
      { key: 'kind', label: 'Soort', render: (r) => (r.kind === 'request' ? 'Alleen vragen' : r.kind === 'offer' ? 'Alleen aanbod' : 'Vragen en aanbod') },
      { key: 'region', label: 'Regio', render: (r) => (r.provinceName ? `${r.provinceName} (en landelijke berichten)` : 'Heel Nederland') },
      { key: 'createdAt', label: 'Opgeslagen op', render: (r) => nlDate(amsterdamDate(r.createdAt)) },
      {
        key: 'actions',
        label: 'Actie',
        render: (r) => (
          <form method="post" action={`${PATH}/${r.id}/verwijderen`} class="inline-form">
            <CsrfField token={csrf} />
            <Button variant="subtle">
              Verwijderen<span class="visually-hidden"> (interesse in {r.themes.map(themeLabel).join(', ')})</span>
            </Button>
          </form>
        ),
      },
    ];
    const title = 'Mijn interesses';
    return reply.page({ title, status }, (ctx) => {
      return (
        <Page ctx={ctx} title={title} crumbs={[...BOARD_CRUMBS, { label: 'Mijn interesses' }]}>
          <Heading>{title}</Heading>
          <P>
            Sla op waarin u geïnteresseerd bent. Verschijnt er een nieuw bericht met een van deze thema's in uw regio (of een landelijk bericht), dan krijgt u één e-mail met
            een link naar het bericht. Berichten van uw eigen organisatie of coalitie tellen niet mee.
          </P>
          <DataTable caption="Opgeslagen interesses" columns={columns(ctx.csrfToken)} rows={interests} base={PATH} query={{ page: 1, pageSize: MAX_INTERESTS }} empty="U heeft nog geen interesses opgeslagen." />
          <h2 class="utrecht-heading-2" id="toevoegen">
            Interesse toevoegen
          </h2>
          <ErrorSummary errors={form.errors} labels={INTEREST_FIELD_LABELS} />
          <form method="post" action={PATH} novalidate class="form" aria-labelledby="toevoegen">
            <CsrfField token={ctx.csrfToken} />
            <CheckboxGroup name="themes" label="Thema's" form={form} required hint="Kies een of meer thema's; u krijgt bericht als een nieuw bericht minstens één ervan heeft." options={THEME_OPTIONS} />
            <RadioGroup
              name="kind"
              label="Welke berichten?"
              form={form}
              required
              options={[
                { value: 'both', label: 'Vragen en aanbod' },
                { value: 'request', label: 'Alleen vragen' },
                { value: 'offer', label: 'Alleen aanbod' },
              ]}
            />
            <SelectField
              name="region"
              label="Regio"
              form={form}
              filter
              placeholder="Heel Nederland"
              hint="Kiest u een provincie, dan krijgt u bericht over die provincie en over landelijke berichten."
              options={provs.map((pv) => ({ value: pv.code, label: pv.name }))}
            />
            <div class="form-actions">
              <Button>Interesse opslaan</Button>
              <Link href={BASE}>Terug naar Vraag en aanbod</Link>
            </div>
          </form>
        </Page>
      );
    });
  }

  app.get(PATH, async (req, reply) => {
    const p = req.authorize('board:read');
    return page(reply, p, { values: { kind: 'both' }, errors: {} });
  });

  app.post(PATH, async (req, reply) => {
    const p = req.authorize('board:read');
    const values = formValues(req.body);
    const parsed = parseForm(interestFormSchema, values);
    const result = parsed.ok ? await createInterest(db, req.auditCtx(), p, parsed.data) : parsed;
    if (result.ok) {
      reply.flash('success', 'Uw interesse is opgeslagen. U krijgt een e-mail bij nieuwe berichten die erbij passen.');
      return reply.redirect(PATH, 303);
    }
    return page(reply, p, { values, errors: result.errors }, 422);
  });

  app.post(`${PATH}/:id/verwijderen`, async (req, reply) => {
    const p = req.authorize('board:read');
    const id = pathId((req.params as { id: string }).id);
    if (!(await deleteInterest(db, req.auditCtx(), p, id))) throw new NotFoundError();
    reply.flash('success', 'De interesse is verwijderd.');
    return reply.redirect(PATH, 303);
  });
}
