import type { FastifyInstance } from 'fastify';
import { Page } from '../views/layout.js';
import { DataTable, Heading, Link, P, type Column } from '../views/components.js';

/** The parts of an OpenAPI 3.1 document this page reads. */
interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}
interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  description?: string;
  anyOf?: JsonSchema[];
}
interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  responses?: Record<string, { description?: string }>;
}
interface OpenApiDocument {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

export interface Endpoint {
  method: string;
  path: string;
  summary: string;
  description?: string;
  parameters: OpenApiParameter[];
  responses: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const LOCATION: Record<string, string> = { path: 'pad', query: 'zoekvraag (query)', header: 'kop (header)' };

/** The endpoints of an OpenAPI document, in path order. */
export function endpointsOf(doc: OpenApiDocument): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const m of METHODS) {
      const op = ops[m];
      if (!op) continue;
      out.push({
        method: m.toUpperCase(),
        path,
        summary: op.summary ?? '',
        description: op.description,
        parameters: op.parameters ?? [],
        responses: Object.keys(op.responses ?? {}),
      });
    }
  }
  return out;
}

/** A short, readable description of a parameter's type and constraints. */
export function describeSchema(s: JsonSchema | undefined): string {
  if (!s) return '';
  if (s.anyOf) return s.anyOf.map(describeSchema).filter(Boolean).join(' of ');
  const parts: string[] = [];
  if (s.enum) parts.push(`een van: ${s.enum.map((v) => String(v)).join(', ')}`);
  else if (s.type) parts.push([s.type].flat().join(' | '));
  if (s.pattern) parts.push(`patroon ${s.pattern}`);
  if (s.minimum !== undefined) parts.push(`minimaal ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < 2 ** 31) parts.push(`maximaal ${s.maximum}`); // not Number.MAX_SAFE_INTEGER
  if (s.maxLength !== undefined) parts.push(`hoogstens ${s.maxLength} tekens`);
  if (s.default !== undefined) parts.push(`standaard ${String(s.default)}`);
  return parts.join(', ');
}

const anchor = (e: Endpoint) => `${e.method}-${e.path}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, '');

/** Public, Dutch documentation of the JSON API, generated from the OpenAPI document. No JavaScript. */
export async function apiDocsRoutes(app: FastifyInstance) {
  app.get('/api/docs', { schema: { hide: true } }, async (_req, reply) => {
    const doc = app.swagger() as OpenApiDocument;
    const endpoints = endpointsOf(doc);
    const base = app.ctx.config.baseUrl;
    const paramColumns: Column<OpenApiParameter>[] = [
      { key: 'name', label: 'Naam', render: (p) => <code>{p.name}</code> },
      { key: 'in', label: 'Waar', render: (p) => LOCATION[p.in] ?? p.in },
      { key: 'required', label: 'Verplicht', render: (p) => (p.required ? 'ja' : 'nee') },
      { key: 'type', label: 'Type', render: (p) => describeSchema(p.schema) },
      { key: 'description', label: 'Toelichting', render: (p) => p.description ?? p.schema?.description ?? '' },
    ];
    return reply.page({ title: 'API-documentatie' }, (ctx) => (
      <Page ctx={ctx} title="API-documentatie" crumbs={[{ href: '/', label: 'Home' }, { label: 'API-documentatie' }]}>
        <Heading>API-documentatie</Heading>
        <P>
          Het platform heeft een JSON-API voor koppelingen met andere systemen, onder <code>{base}/api/v1</code>. De volledige, machineleesbare
          beschrijving staat in het <Link href="/api/openapi.json">OpenAPI-document (OpenAPI 3.1, JSON)</Link>.
        </P>

        <Heading level={2}>Inloggen met een API-sleutel</Heading>
        <P>
          Elke aanvraag heeft een API-sleutel nodig. Een sleutel wordt aangemaakt door het programmateam (Beheer, API-sleutels), hoort bij één
          organisatie en geeft alleen de rechten die daarbij zijn gekozen. De sleutel wordt één keer getoond; bewaar hem veilig, bijvoorbeeld in de
          geheimenkluis van uw systeem, en zet hem nooit in een browser-app of in versiebeheer.
        </P>
        <P>Stuur de sleutel mee in de kop Authorization:</P>
        <pre class="mail-body">
          <code>{`curl -H "Authorization: Bearer ete_…" ${base}/api/v1/municipalities?q=Utrecht`}</code>
        </pre>
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">
            Zonder sleutel, of met een onbekende of ingetrokken sleutel, antwoordt de API met status 401 (<code>invalid_api_key</code> of{' '}
            <code>unauthenticated</code>).
          </li>
          <li class="utrecht-unordered-list__item">Vraagt u iets waarvoor de sleutel geen recht heeft, dan volgt 403; gegevens buiten uw bereik geven 404.</li>
          <li class="utrecht-unordered-list__item">
            Fouten hebben altijd de vorm <code>{'{"error": {"code": "…", "message": "…"}}'}</code>, bij ongeldige invoer met per veld een melding.
          </li>
          <li class="utrecht-unordered-list__item">Een ingetrokken sleutel werkt direct niet meer. Het programmateam ziet wanneer een sleutel voor het laatst is gebruikt.</li>
        </ul>

        <Heading level={2}>Endpoints</Heading>
        {endpoints.length === 0 ? (
          <P>Er zijn nog geen endpoints.</P>
        ) : (
          <ul class="utrecht-unordered-list">
            {endpoints.map((e) => (
              <li class="utrecht-unordered-list__item">
                <a class="utrecht-link" href={`#${anchor(e)}`}>
                  <code>
                    {e.method} {e.path}
                  </code>
                </a>
                {e.summary ? ` — ${e.summary}` : ''}
              </li>
            ))}
          </ul>
        )}
        {endpoints.map((e) => (
          <section aria-labelledby={anchor(e)}>
            <h3 class="utrecht-heading-3" id={anchor(e)}>
              <code>
                {e.method} {e.path}
              </code>
            </h3>
            {e.summary && <P>{e.summary}</P>}
            {e.description && e.description !== e.summary && <P>{e.description}</P>}
            {e.parameters.length ? (
              <DataTable caption={`Parameters van ${e.method} ${e.path}`} columns={paramColumns} rows={e.parameters} base="/api/docs" query={{ page: 1, pageSize: 100 }} />
            ) : (
              <P>Geen parameters.</P>
            )}
            {e.responses.length > 0 && <P>Mogelijke statuscodes: {e.responses.join(', ')}.</P>}
          </section>
        ))}
      </Page>
    ));
  });
}
