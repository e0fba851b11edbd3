import crypto from 'node:crypto';
import path from 'node:path';
import { ROOT } from './platform/paths.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import { serializerCompiler, validatorCompiler, jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import type { AppContext } from './platform/context.js';
import { can, type Action, type Principal, type Resource } from './platform/access.js';
import { SESSION_COOKIE } from './platform/auth/sessions.js';
import { loadSessionPrincipal } from './platform/auth/principal.js';
import { authenticateApiKey } from './platform/admin/apikeys-service.js';
import { ForbiddenError, HttpError, isDatabaseUnavailable, UnauthenticatedError } from './platform/http/errors.js';
import { renderPage, type Crumb, type Flash, type PageContext } from './platform/views/layout.js';
import { ErrorPage } from './platform/views/error-page.js';
import type { AuditContext } from './platform/audit.js';
import { pageRoutes } from './platform/http/pages.js';
import { authRoutes } from './platform/auth/routes.js';
import { adminRoutes } from './platform/admin/routes.js';
import { registryRoutes } from './modules/registry/routes.js';
import { registryApi } from './modules/registry/api.js';
import { organisationsApi } from './modules/registry/api-organisations.js';
import { benchmarkRoutes } from './modules/benchmark/routes.js';
import { benchmarkApi } from './modules/benchmark/api.js';
import { signalRoutes } from './modules/signals/routes.js';
import { networkRoutes } from './modules/network/routes.js';
import { networkApi } from './modules/network/api.js';
import { matchingRoutes } from './modules/matching/routes.js';
import { boardApi } from './modules/matching/api.js';
import { signalApi } from './modules/signals/api.js';
import { apiDocsRoutes } from './platform/http/api-docs.js';

const FLASH_COOKIE = 'ete_melding';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** Every route registered (method + url), for the access-matrix test and the API docs. */
    routeList: { method: string; url: string }[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionRaw: string | null;
    isApi: boolean;
    /** Throws 401 (API) or redirects to login (UI) when nobody is logged in. */
    requireUser(): Principal;
    /** Throws 403 unless `can(principal, action, resource)`. */
    authorize(action: Action, resource?: Resource): Principal;
    auditCtx(): AuditContext;
    pageContext(reply: FastifyReply): PageContext;
  }
  interface FastifyContextConfig {
    /**
     * A route's own anti-forgery proof, accepted instead of the CSRF token + cookie when it returns
     * true. Only for anonymous public forms that carry no session rights (the signal forms: their
     * signed stamp), so that a browser that blocks cookies can still send them.
     */
    csrfAlternative?: (req: FastifyRequest) => boolean;
  }
  interface FastifyReply {
    page(opts: { title: string; crumbs?: Crumb[]; status?: number }, body: (ctx: PageContext) => VNode): FastifyReply;
    flash(kind: Flash['kind'], message: string): FastifyReply;
  }
}

/** Paths that contain secrets (one-time links) are logged without them. */
function redactUrl(url: string): string {
  const pathOnly = url.split('?')[0];
  return pathOnly.replace(/\/(uitnodiging|wachtwoord-herstellen|vragenlijst)\/[^/]+/, '/$1/[token]');
}

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-api-key"]'],
            serializers: {
              req: (req) => ({ method: req.method, url: redactUrl(req.url), reqId: req.id }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
          },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : crypto.randomUUID();
    },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('ctx', ctx);
  const routeList: { method: string; url: string }[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: r.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: config.production ? [] : null,
      },
    },
    hsts: config.production ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie, { secret: config.sessionSecret });
  await app.register(formbody);
  // Uploads (imports) only: one file of at most 10 MB and a handful of small fields. Anonymous
  // multipart requests are refused before the body is read (see the onRequest hook below).
  await app.register(multipart, { attachFieldsToBody: true, limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25, headerPairs: 100 } });
  await app.register(rateLimit, { global: false });
  await app.register(csrf, {
    cookieKey: 'ete_csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.production, path: '/' },
    getToken: (req) => {
      const b = req.body as Record<string, any> | undefined;
      const v = b?._csrf;
      return (typeof v === 'object' && v !== null ? v.value : v) ?? (req.headers['x-csrf-token'] as string | undefined);
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Eén tegen eenzaamheid API',
        version: '1.0.0',
        description: 'JSON API of the Eén tegen eenzaamheid platform. Authenticate with an API key: `Authorization: Bearer <key>`.',
      },
      servers: [{ url: config.baseUrl }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key created by a programme admin' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: true,
  });

  await app.register(fastifyStatic, { root: path.join(ROOT, 'public'), prefix: '/static/', maxAge: config.production ? '1d' : 0 });
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'node_modules/@utrecht/component-library-css/dist'),
    prefix: '/vendor/utrecht/',
    decorateReply: false,
    allowedPath: (p) => p === '/index.css',
  });
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist'),
    prefix: '/vendor/tokens/',
    decorateReply: false,
    allowedPath: (p) => p === '/theme.css',
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('sessionRaw', null);
  app.decorateRequest('isApi', false);
  app.decorateRequest('requireUser', function (this: FastifyRequest) {
    if (!this.principal) throw new UnauthenticatedError();
    return this.principal;
  });
  app.decorateRequest('authorize', function (this: FastifyRequest, action: Action, resource?: Resource) {
    const p = this.requireUser();
    if (!can(p, action, resource)) throw new ForbiddenError();
    return p;
  });
  app.decorateRequest('auditCtx', function (this: FastifyRequest): AuditContext {
    return { principal: this.principal, requestId: this.id, ip: this.ip };
  });
  app.decorateRequest('pageContext', function (this: FastifyRequest, reply: FastifyReply): PageContext {
    let flash: Flash[] = [];
    const raw = this.cookies[FLASH_COOKIE];
    if (raw) {
      const un = this.unsignCookie(raw);
      if (un.valid && un.value) {
        try {
          flash = JSON.parse(un.value);
        } catch {
          /* ignore a broken cookie */
        }
      }
      reply.clearCookie(FLASH_COOKIE, { path: '/' });
    }
    return {
      principal: this.principal,
      csrfToken: reply.generateCsrf(),
      flash,
      currentPath: this.url.split('?')[0],
      demo: config.demo,
    };
  });
  app.decorateReply('page', function (this: FastifyReply, opts: { title: string; crumbs?: Crumb[]; status?: number }, body: (ctx: PageContext) => VNode) {
    const pctx = this.request.pageContext(this);
    return this.code(opts.status ?? 200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderPage(body(pctx)));
  });
  app.decorateReply('flash', function (this: FastifyReply, kind: Flash['kind'], message: string) {
    return this.setCookie(FLASH_COOKIE, JSON.stringify([{ kind, message }]), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.production,
      signed: true,
      maxAge: 60,
    });
  });

  // Who is asking: an API key (Authorization: Bearer …) for /api, or a session cookie.
  app.addHook('onRequest', async (req, reply) => {
    req.isApi = req.url.startsWith('/api/');
    reply.header('x-request-id', req.id);
    if (req.url.startsWith('/static/') || req.url.startsWith('/vendor/') || req.url === '/health') return;
    const auth = req.headers.authorization;
    if (req.isApi && auth?.startsWith('Bearer ')) {
      req.principal = await authenticateApiKey(ctx.database.db, auth.slice(7).trim());
      if (!req.principal) {
        return reply.code(401).send({ error: { code: 'invalid_api_key', message: 'Unknown or revoked API key.' } });
      }
      return;
    }
    const raw = req.cookies[SESSION_COOKIE];
    if (raw) {
      const un = req.unsignCookie(raw);
      if (un.valid && un.value) {
        req.principal = await loadSessionPrincipal(ctx.database.db, un.value, config.sessionTtlHours);
        if (req.principal) req.sessionRaw = un.value;
      }
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.principal && String(req.headers['content-type'] ?? '').startsWith('multipart/')) {
      return reply.code(401).type('text/plain; charset=utf-8').send('Log in om bestanden te uploaden.');
    }
  });

  // CSRF on every state-changing browser request (API-key requests carry no cookies).
  app.addHook('preHandler', (req, reply, done) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || (req.isApi && req.principal?.kind === 'api_key')) return done();
    if (req.routeOptions.config.csrfAlternative?.(req)) return done();
    app.csrfProtection(req, reply, done);
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send({ error: { code: 'not_found', message: 'Not found.' } });
    return reply.page({ title: 'Pagina niet gevonden', status: 404 }, (c) =>
      ErrorPage({ ctx: c, status: 404, title: 'Pagina niet gevonden', message: 'Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina.' }),
    );
  });

  app.setErrorHandler((err: any, req, reply) => {
    const api = req.url.startsWith('/api/');
    // The PostgreSQL error behind a drizzle error; its SQLSTATE class tells what went wrong.
    const pgCode: string | undefined = typeof err.cause?.code === 'string' ? err.cause.code : typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
    let status: number = err instanceof HttpError ? err.statusCode : (err.statusCode ?? 500);
    let code = err instanceof HttpError ? err.code : (err.code ?? 'internal_error');
    let message = err instanceof HttpError ? err.message : '';
    if (isDatabaseUnavailable(err)) {
      status = 503;
      code = 'database_unavailable';
      message = 'De database is tijdelijk niet bereikbaar. Probeer het over een paar minuten opnieuw.';
      // The cause's own message only: a drizzle error's message lists the query's parameters (personal data).
      const cause = err.cause ?? err;
      req.log.error({ err: { message: String(cause.message ?? '').slice(0, 200), code: cause.code ?? err.code } }, 'database unavailable');
    } else if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      status = 403;
      code = 'csrf_invalid';
      message = 'Het formulier is verlopen of ongeldig. Ga terug, laad de pagina opnieuw en probeer het nog eens.';
    } else if (err.validation) {
      status = 400;
      code = 'validation_failed';
      message = 'De invoer is niet geldig.';
    } else if (pgCode?.startsWith('22')) {
      // Data exception: a number out of range, an impossible date, a NUL character, …
      status = 400;
      code = 'invalid_input';
      message = 'De invoer bevat een waarde die niet kan worden verwerkt, zoals een te groot getal of een onmogelijke datum. Controleer de invoer.';
    } else if (pgCode === '23505') {
      status = 409;
      code = 'conflict';
      message = 'Dit gegeven bestaat al (iemand anders heeft het net opgeslagen). Laad de pagina opnieuw en controleer de gegevens.';
    } else if (status === 429) {
      code = 'rate_limited';
      message = 'Te veel pogingen. Wacht even en probeer het dan opnieuw.';
    } else if (status >= 500) {
      // Never log a drizzle error whole: its message and `params` hold the query's values
      // (names, e-mail addresses). Log the database's own message and the code path.
      const cause = err.cause ?? err;
      req.log.error({ err: { type: err.name, message: String(cause.message ?? '').slice(0, 300), code: cause.code, stack: String(err.stack ?? '').split('\n').slice(1, 8).join('\n') } }, 'unhandled error');
      message = 'Er ging iets mis aan onze kant. Probeer het later opnieuw; blijft het probleem, neem dan contact op met de helpdesk.';
    } else if (!message) {
      message = status === 413 ? 'Het bestand is te groot.' : 'Het verzoek kon niet worden verwerkt.';
    }
    if (status === 401 && !api) {
      return reply.redirect(`/inloggen?terug=${encodeURIComponent(req.url)}`);
    }
    if (status === 503) reply.header('retry-after', '30');
    if (api) {
      const body: Record<string, unknown> = { code, message };
      if (err.validation) body.issues = err.validation.map((v: any) => ({ field: v.instancePath?.replace(/^\//, '') || v.params?.missingProperty, message: v.message }));
      if (err.fields) body.fields = err.fields;
      return reply.code(status).send({ error: body });
    }
    const titles: Record<number, string> = { 403: 'Geen toegang', 404: 'Pagina niet gevonden', 429: 'Te veel pogingen', 503: 'Tijdelijk niet beschikbaar' };
    const title = titles[status] ?? (status >= 500 ? 'Er ging iets mis' : 'Verzoek niet verwerkt');
    try {
      return reply.page({ title, status }, (c) => ErrorPage({ ctx: c, status, title, message }));
    } catch {
      return reply.code(status).type('text/plain; charset=utf-8').send(`${title}\n\n${message}`);
    }
  });

  await app.register(pageRoutes);
  await app.register(authRoutes);
  await app.register(adminRoutes);
  await app.register(registryRoutes);
  await app.register(registryApi, { prefix: '/api/v1' });
  await app.register(organisationsApi, { prefix: '/api/v1' });
  await app.register(benchmarkRoutes);
  await app.register(benchmarkApi, { prefix: '/api/v1' });
  await app.register(signalRoutes);
  await app.register(signalApi, { prefix: '/api/v1' });
  await app.register(networkRoutes);
  await app.register(networkApi, { prefix: '/api/v1' });
  await app.register(matchingRoutes);
  await app.register(boardApi, { prefix: '/api/v1' });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(apiDocsRoutes);
  return app;
}
