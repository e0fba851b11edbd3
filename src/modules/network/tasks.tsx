import type { FastifyInstance } from 'fastify';
import { can, type Principal } from '../../platform/access.js';
import { formValues, listParams, pathId, safeReturnPath } from '../../platform/http/forms.js';
import { amsterdamDate } from '../../platform/time.js';
import { Page } from '../../platform/views/layout.js';
import { Button, Heading, Link, P, Pagination, SelectField, type FormState, type ListQuery } from '../../platform/views/components.js';
import { ExportLinks } from '../registry/tabular-views.js';
import { EXPORT_ALL } from '../registry/exporters.js';
import { sendAuditedExport } from '../registry/ui.js';
import { assigneeOptions, listTasks, setTaskDone, taskExportColumns, type TaskFilter } from './crm-service.js';
import { TaskTable } from './crm.js';

/**
 * "My tasks" (issue 5 point 4): follow-up tasks of contact moments.
 *   GET  /taken                   my open tasks by due date ("Te laat" spelt out); ?status=afgerond my done tasks;
 *                                 programme team: ?wie=alle (everyone's, filter ?uitvoerder=<user id>)
 *   GET  /taken/export            the same tasks (with the same filters) as CSV/XLSX, audit-logged
 *   POST /taken/:id/afgerond      mark done   (assignee, creator, or who may log contact moments of its municipality; else 404)
 *   POST /taken/:id/heropenen     reopen
 * 'task:own': advisors and the programme team.
 */

const BASE = '/taken';
const PAGE_SIZE = 50;

export async function taskRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  /** Whose tasks and which: one's own, or (programme team, ?wie=alle) everyone's or one assignee's; open or done. */
  async function readTaskFilter(p: Principal, q: Record<string, string>) {
    const everyone = q.wie === 'alle' && can(p, 'advisory:manage');
    const status: TaskFilter['status'] = q.status === 'afgerond' ? 'done' : 'open';
    const people = everyone ? await assigneeOptions(db) : [];
    const assignee = Number(q.uitvoerder);
    const assigneeId = everyone ? (people.some((u) => u.id === assignee) ? assignee : undefined) : p.id;
    const query = { wie: everyone ? 'alle' : undefined, uitvoerder: everyone ? assigneeId : undefined, status: status === 'done' ? 'afgerond' : undefined };
    return { everyone, status, people, assigneeId, query };
  }

  app.get(BASE, async (req, reply) => {
    const p = req.authorize('task:own');
    const q = req.query as Record<string, string>;
    const today = amsterdamDate(new Date());
    const { everyone, status, people, assigneeId, query: filters } = await readTaskFilter(p, q);
    const { page } = listParams(q, [], 'due', PAGE_SIZE);
    const { rows, total, overdue } = await listTasks(db, { assigneeId, status, page, pageSize: PAGE_SIZE }, today);
    const query: ListQuery = { ...filters, page, pageSize: PAGE_SIZE };
    const back = `${BASE}${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`;
    const title = everyone ? 'Taken van iedereen' : 'Mijn taken';
    const form: FormState = { values: { uitvoerder: assigneeId ? String(assigneeId) : '', status: query.status ?? '', wie: 'alle' }, errors: {} };
    return reply.page({ title }, (ctx) => (
      <Page ctx={ctx} title={title} crumbs={[{ label: title }]}>
        <Heading>{title}</Heading>
        <P>
          {status === 'open'
            ? `${total === 1 ? '1 open taak' : `${total} open taken`}${overdue ? `, waarvan ${overdue} te laat` : ''}. De taak met de vroegste uiterste datum staat bovenaan.`
            : `${total === 1 ? '1 afgeronde taak' : `${total} afgeronde taken`}, de laatst afgeronde bovenaan.`}
        </P>
        <ul class="action-list">
          <li>
            {status === 'open' ? (
              <Link href={`${BASE}?${new URLSearchParams({ ...(everyone ? { wie: 'alle' } : {}), ...(everyone && assigneeId ? { uitvoerder: String(assigneeId) } : {}), status: 'afgerond' })}`}>
                Toon afgeronde taken
              </Link>
            ) : (
              <Link href={`${BASE}${everyone ? `?wie=alle${assigneeId ? `&uitvoerder=${assigneeId}` : ''}` : ''}`}>Toon open taken</Link>
            )}
          </li>
          {can(p, 'advisory:manage') && <li>{everyone ? <Link href={BASE}>Alleen mijn taken</Link> : <Link href={`${BASE}?wie=alle`}>Taken van iedereen</Link>}</li>}
        </ul>
        {everyone && (
          <form method="get" action={BASE} class="filter-form" novalidate aria-label="Taken filteren op uitvoerder">
            <input type="hidden" name="wie" value="alle" />
            {status === 'done' && <input type="hidden" name="status" value="afgerond" />}
            <SelectField name="uitvoerder" label="Uitvoerder" form={form} filter placeholder="Iedereen" options={people.map((u) => ({ value: String(u.id), label: u.name }))} />
            <Button variant="secondary">Filteren</Button>
          </form>
        )}
        <TaskTable
          rows={rows}
          today={today}
          csrf={ctx.csrfToken}
          back={back}
          canToggle={(t) => t.assigneeId === p.id || can(p, 'contact:log', { municipalityId: rows.find((r) => r.id === t.id)?.municipalityId ?? null })}
          caption={title}
          showMoment
          showAssignee={everyone}
        />
        <Pagination base={BASE} query={query} total={total} />
        <ExportLinks base={`${BASE}/export`} query={query} />
      </Page>
    ));
  });

  app.get(`${BASE}/export`, async (req, reply) => {
    const p = req.authorize('task:own');
    const today = amsterdamDate(new Date());
    const { status, assigneeId, query } = await readTaskFilter(p, req.query as Record<string, string>);
    const { rows } = await listTasks(db, { assigneeId, status, page: 1, pageSize: EXPORT_ALL }, today);
    return sendAuditedExport(db, req, reply, { entity: 'network_task', sheetName: 'Taken', columns: taskExportColumns(today), rows }, { filename: 'taken', filters: query });
  });

  for (const [path, done] of [
    ['afgerond', true],
    ['heropenen', false],
  ] as const) {
    app.post(`${BASE}/:id/${path}`, async (req, reply) => {
      const p = req.authorize('task:own');
      const id = pathId((req.params as { id: string }).id);
      const r = await setTaskDone(db, req.auditCtx(), p, id, done);
      const back = safeReturnPath(formValues(req.body).terug, BASE);
      reply.flash(r.changed ? 'success' : 'info', r.changed ? (done ? 'De taak is afgerond.' : 'De taak staat weer open.') : done ? 'De taak was al afgerond.' : 'De taak stond al open.');
      return reply.redirect(back, 303);
    });
  }
}
