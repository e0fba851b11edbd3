import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { and, eq } from 'drizzle-orm';
import { users } from '../db/schema.js';
import { audit } from '../audit.js';
import { createSession, destroySession } from './sessions.js';
import { setSessionCookie } from './routes.js';

/**
 * Optional single sign-on through an OpenID Connect provider (e.g. a government IdP).
 * Authorization code flow with PKCE and state. Only existing, active accounts can log in
 * this way (matched on the verified e-mail claim): access is still granted by invitation.
 */
const FLOW_COOKIE = 'ete_oidc';
let discovered: Promise<oidc.Configuration> | null = null;

function configuration(app: FastifyInstance): Promise<oidc.Configuration> {
  const c = app.ctx.config.oidc!;
  discovered ??= oidc
    .discovery(new URL(c.issuer), c.clientId, c.clientSecret, undefined, c.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined)
    .catch((e) => {
      discovered = null; // try again on the next login
      throw e;
    });
  return discovered;
}

/** For tests that start several apps against different providers. */
export function resetOidcDiscovery() {
  discovered = null;
}

const redirectUri = (app: FastifyInstance) => `${app.ctx.config.baseUrl}/inloggen/oidc/terug`;

export async function oidcStart(app: FastifyInstance, _req: FastifyRequest, reply: FastifyReply) {
  const config = await configuration(app);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(app),
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  reply.setCookie(FLOW_COOKIE, JSON.stringify({ verifier, state }), {
    path: '/inloggen/oidc',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.ctx.config.production,
    signed: true,
    maxAge: 600,
  });
  return reply.redirect(url.href);
}

export async function oidcCallback(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
  const db = app.ctx.database.db;
  const fail = (message: string) => {
    reply.flash('error', message);
    return reply.redirect('/inloggen', 303);
  };
  const raw = req.cookies[FLOW_COOKIE];
  const un = raw ? req.unsignCookie(raw) : null;
  reply.clearCookie(FLOW_COOKIE, { path: '/inloggen/oidc' });
  if (!un?.valid || !un.value) return fail('Het inloggen via uw organisatie is verlopen. Probeer het opnieuw.');
  const flow = JSON.parse(un.value) as { verifier: string; state: string };
  let email: string | undefined;
  try {
    const config = await configuration(app);
    const current = new URL(req.url, app.ctx.config.baseUrl);
    const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
    const idToken = tokens.claims();
    let claims: Record<string, unknown> | undefined = idToken;
    // Spec-conforming providers put the e-mail only in the UserInfo response, not in the ID token.
    if (!claims?.email && idToken?.sub && tokens.access_token) claims = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
    // Accounts are matched on e-mail, so only an address the provider vouches for counts
    // (OIDC_REQUIRE_VERIFIED_EMAIL=false for a provider that only issues managed addresses).
    const verified = claims?.email_verified === true || (!app.ctx.config.oidc!.requireVerifiedEmail && claims?.email_verified !== false);
    if (claims?.email && verified) email = String(claims.email);
  } catch (e) {
    req.log.warn({ err: { message: (e as Error).message } }, 'oidc callback failed');
    return fail('Inloggen via uw organisatie is niet gelukt. Probeer het opnieuw of log in met uw wachtwoord.');
  }
  if (!email) return fail('Uw organisatie gaf geen (geverifieerd) e-mailadres door. Log in met uw wachtwoord.');
  const [u] = await db.select().from(users).where(and(eq(users.email, email), eq(users.active, true)));
  if (!u) {
    await audit(db, { ...req.auditCtx(), label: email }, { action: 'login_failed', entity: 'user', details: { reason: 'oidc_no_account' } });
    return fail('Er is geen actief account voor dit e-mailadres. Vraag het programmateam of uw gemeente om een uitnodiging.');
  }
  await db.update(users).set({ lastLoginAt: new Date(), failedLogins: 0 }).where(eq(users.id, u.id));
  await audit(db, { ...req.auditCtx(), label: u.email }, { action: 'login', entity: 'user', entityId: u.id, details: { via: 'oidc' } });
  if (req.sessionRaw) await destroySession(db, req.sessionRaw);
  setSessionCookie(app, reply, await createSession(db, u.id, app.ctx.config.sessionTtlHours));
  return reply.redirect('/beheer', 303);
}
