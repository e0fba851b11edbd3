import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Page, type PageContext } from '../views/layout.js';
import { Alert, Button, CsrfField, ErrorSummary, Heading, Link, P, TextField, type FormState } from '../views/components.js';
import { emailField, formValues, parseForm, safeReturnPath } from '../http/forms.js';
import { createSession, destroySession, SESSION_COOKIE } from './sessions.js';
import { checkToken, findUserByEmail, issueToken, login, passwordProblem, redeemToken, RESET_HOURS } from './service.js';
import { queueMail } from '../mail/outbox.js';
import { audit } from '../audit.js';
import { oidcCallback, oidcStart } from './oidc.js';


export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, raw: string) {
  reply.setCookie(SESSION_COOKIE, raw, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.ctx.config.production,
    signed: true,
    maxAge: app.ctx.config.sessionTtlHours * 3600,
  });
}

function LoginPage({ ctx, form, terug, oidcLabel, notice }: { ctx: PageContext; form: FormState; terug: string; oidcLabel?: string; notice?: string }) {
  return (
    <Page ctx={ctx} title="Inloggen" crumbs={[{ href: '/', label: 'Home' }, { label: 'Inloggen' }]}>
      <Heading>Inloggen</Heading>
      {notice && <Alert kind="error">{notice}</Alert>}
      <ErrorSummary errors={form.errors} />
      <form method="post" action="/inloggen" novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name="terug" value={terug} />
        <TextField name="email" label="E-mailadres" type="email" autocomplete="username" form={form} required />
        <TextField name="password" label="Wachtwoord" type="password" autocomplete="current-password" form={form} required />
        <Button>Inloggen</Button>
      </form>
      <P>
        <Link href="/wachtwoord-vergeten">Wachtwoord vergeten?</Link>
      </P>
      {oidcLabel && (
        <>
          <Heading level={2}>Of log in via uw organisatie</Heading>
          <P>
            <a class="utrecht-button-link utrecht-button-link--html-a utrecht-button-link--secondary-action" href="/inloggen/oidc">
              {oidcLabel}
            </a>
          </P>
        </>
      )}
      <P>Nog geen account? Medewerkers krijgen een uitnodiging per e-mail van het programmateam of hun gemeente.</P>
    </Page>
  );
}

function TokenProblemPage({ ctx, reason, purpose }: { ctx: PageContext; reason: 'unknown' | 'used' | 'expired'; purpose: 'invitation' | 'password_reset' }) {
  const what = purpose === 'invitation' ? 'uitnodigingslink' : 'herstellink';
  const msg =
    reason === 'used'
      ? `Deze ${what} is al gebruikt. Een link werkt maar één keer.`
      : reason === 'expired'
        ? `Deze ${what} is verlopen.`
        : `Deze ${what} is niet (meer) geldig.`;
  return (
    <Page ctx={ctx} title="Link niet geldig">
      <Heading>Link niet geldig</Heading>
      <P>{msg}</P>
      {purpose === 'invitation' ? (
        <P>
          Heeft u al een wachtwoord ingesteld? Dan kunt u <Link href="/inloggen">inloggen</Link>. Anders kunt u{' '}
          <Link href="/wachtwoord-vergeten">een nieuwe link aanvragen</Link>, of degene die u uitnodigde vragen om een nieuwe uitnodiging.
        </P>
      ) : (
        <P>
          <Link href="/wachtwoord-vergeten">Vraag een nieuwe herstellink aan</Link>.
        </P>
      )}
    </Page>
  );
}

function SetPasswordPage({ ctx, form, action, title, intro }: { ctx: PageContext; form: FormState; action: string; title: string; intro: string }) {
  return (
    <Page ctx={ctx} title={title}>
      <Heading>{title}</Heading>
      <P>{intro}</P>
      <ErrorSummary errors={form.errors} />
      <form method="post" action={action} novalidate class="form">
        <CsrfField token={ctx.csrfToken} />
        <TextField name="password" label="Nieuw wachtwoord" type="password" autocomplete="new-password" hint="Minstens 12 tekens. Een zin van een paar woorden is sterk en goed te onthouden." form={form} required />
        <TextField name="confirm" label="Herhaal het wachtwoord" type="password" autocomplete="new-password" form={form} required />
        <Button>Wachtwoord instellen</Button>
      </form>
    </Page>
  );
}

const loginSchema = z.object({
  email: emailField(),
  password: z.string({ message: 'Vul uw wachtwoord in.' }).min(1, 'Vul uw wachtwoord in.').max(256, 'Dit wachtwoord is te lang.'),
});

export async function authRoutes(app: FastifyInstance) {
  const { database, config } = app.ctx;
  const db = database.db;
  const oidcLabel = config.oidc?.label;
  const LOGIN_LIMIT = { max: config.rateLimitPerMinute, timeWindow: '1 minute' };
  const FORGOT_LIMIT = { max: Math.max(1, Math.ceil(config.rateLimitPerMinute / 2)), timeWindow: '1 minute' };

  app.get('/inloggen', async (req, reply) => {
    const terug = safeReturnPath((req.query as Record<string, unknown>).terug);
    if (req.principal) return reply.redirect(terug);
    return reply.page({ title: 'Inloggen' }, (ctx) => <LoginPage ctx={ctx} form={{ values: {}, errors: {} }} terug={terug} oidcLabel={oidcLabel} />);
  });

  app.post('/inloggen', { config: { rateLimit: LOGIN_LIMIT } }, async (req, reply) => {
    const values = formValues(req.body);
    const terug = safeReturnPath(values.terug);
    const parsed = parseForm(loginSchema, values);
    const show = (errors: Record<string, string>, notice?: string, status = 422) =>
      reply.page({ title: 'Inloggen', status }, (ctx) => (
        <LoginPage ctx={ctx} form={{ values: { email: values.email }, errors }} terug={terug} oidcLabel={oidcLabel} notice={notice} />
      ));
    if (!parsed.ok) return show(parsed.errors);
    const result = await login(db, parsed.data.email, parsed.data.password, req.auditCtx());
    if (!result.ok) {
      if (result.reason === 'locked')
        return show({}, `Te veel mislukte pogingen. Uw account is tijdelijk geblokkeerd; probeer het na ${result.lockedUntil!.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' })} opnieuw, of stel uw wachtwoord opnieuw in.`, 429);
      return show({}, 'Het e-mailadres of wachtwoord klopt niet, of uw account is niet actief.', 401);
    }
    if (req.sessionRaw) await destroySession(db, req.sessionRaw);
    setSessionCookie(app, reply, await createSession(db, result.userId, config.sessionTtlHours));
    return reply.redirect(terug, 303);
  });

  app.post('/uitloggen', async (req, reply) => {
    if (req.sessionRaw) {
      await destroySession(db, req.sessionRaw);
      await audit(db, req.auditCtx(), { action: 'logout', entity: 'user', entityId: req.principal?.id });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.flash('success', 'U bent uitgelogd.');
    return reply.redirect('/inloggen', 303);
  });

  const forgotPage = (req: FastifyRequest, reply: FastifyReply, form: FormState, status = 200, sent = false) =>
    reply.page({ title: 'Wachtwoord vergeten', status }, (ctx) => (
      <Page ctx={ctx} title="Wachtwoord vergeten" crumbs={[{ href: '/inloggen', label: 'Inloggen' }, { label: 'Wachtwoord vergeten' }]}>
        <Heading>Wachtwoord vergeten</Heading>
        {sent ? (
          <Alert kind="success">
            Als dit e-mailadres bij ons bekend is, ontvangt u binnen een paar minuten een e-mail met een link om een nieuw wachtwoord in te
            stellen. De link is {RESET_HOURS} uur geldig.
          </Alert>
        ) : (
          <P>Vul uw e-mailadres in. U krijgt een e-mail met een link om een nieuw wachtwoord in te stellen.</P>
        )}
        <ErrorSummary errors={form.errors} />
        <form method="post" action="/wachtwoord-vergeten" novalidate class="form">
          <CsrfField token={ctx.csrfToken} />
          <TextField name="email" label="E-mailadres" type="email" autocomplete="email" form={form} required />
          <Button>Stuur de link</Button>
        </form>
      </Page>
    ));

  app.get('/wachtwoord-vergeten', async (req, reply) => forgotPage(req, reply, { values: {}, errors: {} }));

  app.post('/wachtwoord-vergeten', { config: { rateLimit: FORGOT_LIMIT } }, async (req, reply) => {
    const values = formValues(req.body);
    const parsed = parseForm(z.object({ email: emailField() }), values);
    if (!parsed.ok) return forgotPage(req, reply, { values, errors: parsed.errors }, 422);
    const user = await findUserByEmail(db, parsed.data.email);
    // Same answer whether or not the account exists (no account enumeration).
    if (user && user.active) {
      const token = await issueToken(db, user.id, 'password_reset');
      await queueMail(
        db,
        app.ctx.jobs,
        {
          to: user.email,
          kind: 'password_reset',
          subject: 'Nieuw wachtwoord instellen',
          text: `Beste ${user.name},\n\nU heeft gevraagd om een nieuw wachtwoord voor het platform Eén tegen eenzaamheid.\nKlik op de link hieronder om een nieuw wachtwoord in te stellen. De link is ${RESET_HOURS} uur geldig en werkt één keer.\n\n${config.baseUrl}/wachtwoord-herstellen/${token}\n\nHeeft u dit niet zelf gevraagd? Dan kunt u deze e-mail negeren; uw wachtwoord blijft dan hetzelfde.`,
        },
        config.helpdeskEmail,
      );
      await audit(db, { ...req.auditCtx(), label: user.email }, { action: 'password_reset', entity: 'user', entityId: user.id, details: { step: 'requested' } });
    }
    return forgotPage(req, reply, { values: {}, errors: {} }, 200, true);
  });

  for (const [prefix, purpose, title, intro] of [
    ['/wachtwoord-herstellen', 'password_reset', 'Nieuw wachtwoord instellen', 'Kies een nieuw wachtwoord voor uw account.'],
    ['/uitnodiging', 'invitation', 'Account activeren', 'Welkom bij het platform Eén tegen eenzaamheid. Kies een wachtwoord om uw account te activeren.'],
  ] as const) {
    app.get(`${prefix}/:token`, { config: { rateLimit: FORGOT_LIMIT } }, async (req, reply) => {
      const { token } = req.params as { token: string };
      const check = await checkToken(db, token, purpose);
      if (!check.ok) return reply.page({ title: 'Link niet geldig', status: 410 }, (ctx) => <TokenProblemPage ctx={ctx} reason={check.reason} purpose={purpose} />);
      return reply.page({ title }, (ctx) => (
        <SetPasswordPage ctx={ctx} form={{ values: {}, errors: {} }} action={`${prefix}/${token}`} title={title} intro={`${intro} Uw e-mailadres: ${check.email}.`} />
      ));
    });

    app.post(`${prefix}/:token`, { config: { rateLimit: FORGOT_LIMIT } }, async (req, reply) => {
      const { token } = req.params as { token: string };
      const values = formValues(req.body);
      const check = await checkToken(db, token, purpose);
      if (!check.ok) return reply.page({ title: 'Link niet geldig', status: 410 }, (ctx) => <TokenProblemPage ctx={ctx} reason={check.reason} purpose={purpose} />);
      const errors = passwordProblem(String(values.password ?? ''), String(values.confirm ?? ''), check.email);
      if (Object.keys(errors).length)
        return reply.page({ title, status: 422 }, (ctx) => <SetPasswordPage ctx={ctx} form={{ values: {}, errors }} action={`${prefix}/${token}`} title={title} intro={intro} />);
      const done = await redeemToken(db, token, purpose, String(values.password), req.auditCtx());
      if (!done.ok) return reply.page({ title: 'Link niet geldig', status: 410 }, (ctx) => <TokenProblemPage ctx={ctx} reason={done.reason} purpose={purpose} />);
      if (req.sessionRaw) await destroySession(db, req.sessionRaw);
      setSessionCookie(app, reply, await createSession(db, done.userId, config.sessionTtlHours));
      reply.flash('success', purpose === 'invitation' ? 'Uw account is geactiveerd. Welkom!' : 'Uw nieuwe wachtwoord is ingesteld.');
      return reply.redirect('/beheer', 303);
    });
  }

  if (config.oidc) {
    app.get('/inloggen/oidc', { config: { rateLimit: LOGIN_LIMIT } }, async (req, reply) => oidcStart(app, req, reply));
    app.get('/inloggen/oidc/terug', { config: { rateLimit: LOGIN_LIMIT } }, async (req, reply) => oidcCallback(app, req, reply));
  }
}
