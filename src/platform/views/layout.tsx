import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { can, type Action, type Principal } from '../access.js';
import { Alert } from './components.js';

export const PROGRAMME_NAME = 'Eén tegen eenzaamheid';

export interface Crumb {
  href?: string;
  label: string;
}

export interface Flash {
  kind: 'success' | 'info' | 'warning' | 'error';
  message: string;
}

export interface PageContext {
  principal: Principal | null;
  csrfToken: string;
  flash: Flash[];
  currentPath: string;
  demo: boolean;
}

interface NavItem {
  href: string;
  label: string;
  action?: Action;
  /** For items whose action needs a resource: who sees the item. */
  show?: (p: Principal) => boolean;
}

const hasRole = (p: Principal, ...roles: string[]) => p.roles.some((g) => roles.includes(g.role));

const NAV: NavItem[] = [
  { href: '/beheer', label: 'Overzicht' },
  { href: '/beheer/gemeenten', label: 'Gemeenten', action: 'municipality:list' },
  { href: '/beheer/deelnames', label: 'Deelnames', action: 'participation:list' },
  { href: '/beheer/organisaties', label: 'Organisaties', action: 'organisation:list' },
  { href: '/beheer/wijken', label: 'Wijken en buurten', action: 'neighbourhood:list' },
  { href: '/coalities', label: 'Coalities', action: 'coalition:list' },
  { href: '/nationale-coalitie', label: 'Nationale Coalitie', action: 'national:read' },
  { href: '/advies', label: 'Adviesuren', show: (p) => hasRole(p, 'programme_admin', 'advisor', 'municipality_coordinator') },
  { href: '/contactmomenten', label: 'Contactmomenten', show: (p) => hasRole(p, 'programme_admin', 'advisor') },
  { href: '/taken', label: 'Mijn taken', action: 'task:own' },
  { href: '/samenwerkingen', label: 'Samenwerkingen', action: 'collaboration:read' },
  { href: '/vraag-en-aanbod', label: 'Vraag en aanbod', action: 'board:read' },
  { href: '/programmacijfers', label: 'Programmacijfers', action: 'network:figures' },
  { href: '/beheer/netwerk-import', label: 'Netwerk importeren en exporteren', action: 'network:import' },
  { href: '/benchmark', label: 'Benchmark', action: 'benchmark:report' },
  { href: '/signalen', label: 'Signalen', show: (p) => hasRole(p, 'signal_coordinator', 'signal_handler') },
  { href: '/signalen/niet-gerouteerd', label: 'Niet gerouteerd', action: 'signal:route' },
  { href: '/signaalpunten', label: 'Signaalpunten', show: (p) => hasRole(p, 'programme_admin', 'municipality_coordinator') },
  { href: '/signalen/statistieken', label: 'Signaalcijfers', action: 'signal:stats' },
  { href: '/beheer/privacyverzoeken', label: 'Privacyverzoeken', action: 'signal:privacy' },
  { href: '/beheer/gebruikers', label: 'Gebruikers', action: 'user:manage' },
  { href: '/beheer/api-sleutels', label: 'API-sleutels', action: 'apikey:manage' },
  { href: '/beheer/auditlog', label: 'Auditlog', action: 'audit:read' },
  { href: '/beheer/outbox', label: 'Verzonden e-mail', action: 'outbox:read' },
];

export function navFor(p: Principal | null): NavItem[] {
  if (!p) return [];
  return NAV.filter((n) => (n.show ? n.show(p) : !n.action || can(p, n.action)));
}

function Header({ ctx }: { ctx: PageContext }) {
  const nav = navFor(ctx.principal);
  return (
    <header class="utrecht-page-header site-header">
      <div class="site-header__inner">
        <a class="site-header__brand" href="/">
          <span class="site-header__logo" aria-hidden="true">
            1
          </span>
          <span>{PROGRAMME_NAME}</span>
        </a>
        <div class="site-header__account">
          {ctx.principal ? (
            <form method="post" action="/uitloggen" class="inline-form">
              <span class="site-header__user">Ingelogd als {ctx.principal.label}</span>{' '}
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <button class="utrecht-button utrecht-button--subtle" type="submit">
                Uitloggen
              </button>
            </form>
          ) : (
            <a class="utrecht-link" href="/inloggen">
              Inloggen
            </a>
          )}
        </div>
      </div>
      {nav.length > 0 && (
        <nav class="site-nav" aria-label="Hoofdmenu">
          <ul class="site-nav__list">
            {nav.map((n) => {
              const current = n.href === '/beheer' ? ctx.currentPath === '/beheer' : ctx.currentPath.startsWith(n.href);
              return (
                <li>
                  <a class="site-nav__link" href={n.href} aria-current={current ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      )}
    </header>
  );
}

function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  if (!crumbs.length) return null;
  return (
    <nav class="utrecht-breadcrumb-nav" aria-label="Kruimelpad">
      <ol class="utrecht-breadcrumb-nav__list">
        {crumbs.map((c, i) => (
          <li class="utrecht-breadcrumb-nav__item">
            {c.href && i < crumbs.length - 1 ? (
              <a class="utrecht-link utrecht-breadcrumb-nav__link" href={c.href}>
                {c.label}
              </a>
            ) : (
              <span aria-current={i === crumbs.length - 1 ? 'page' : undefined}>{c.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function Page({ ctx, title, crumbs = [], children }: { ctx: PageContext; title: string; crumbs?: Crumb[]; children: ComponentChildren }) {
  return (
    <html lang="nl">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${PROGRAMME_NAME}`}</title>
        <link rel="stylesheet" href="/vendor/tokens/theme.css" />
        <link rel="stylesheet" href="/vendor/utrecht/index.css" />
        <link rel="stylesheet" href="/static/css/site.css" />
        <script src="/static/js/app.js" defer></script>
      </head>
      <body class="voorbeeld-theme utrecht-document utrecht-document--surface">
        <a class="utrecht-skip-link skip-link" href="#inhoud">
          Naar de inhoud
        </a>
        <Header ctx={ctx} />
        <div class="utrecht-page site-page">
          {ctx.demo && (
            <p class="demo-banner utrecht-paragraph">
              <strong>Demo-omgeving:</strong> alle gegevens zijn fictief voorbeeldmateriaal.
            </p>
          )}
          <Breadcrumbs crumbs={crumbs} />
          <main id="inhoud" class="utrecht-page-content" tabIndex={-1}>
            {ctx.flash.map((f) => (
              <Alert kind={f.kind}>{f.message}</Alert>
            ))}
            {children}
          </main>
        </div>
        <footer class="utrecht-page-footer site-footer">
          <div class="site-footer__inner">
            <p class="utrecht-paragraph">{PROGRAMME_NAME} — een programma van het ministerie van Volksgezondheid, Welzijn en Sport.</p>
            <ul class="site-footer__links">
              <li>
                <a class="utrecht-link" href="/toegankelijkheid">
                  Toegankelijkheidsverklaring
                </a>
              </li>
              <li>
                <a class="utrecht-link" href="/privacy">
                  Privacyverklaring
                </a>
              </li>
              <li>
                <a class="utrecht-link" href="/api/docs">
                  API-documentatie
                </a>
              </li>
            </ul>
          </div>
        </footer>
      </body>
    </html>
  );
}

export function renderPage(vnode: preact.VNode): string {
  return '<!doctype html>' + render(vnode);
}
