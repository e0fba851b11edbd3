import type { PageContext } from './layout.js';
import { Page } from './layout.js';
import { Heading, P } from './components.js';

export function ErrorPage({ ctx, status, title, message }: { ctx: PageContext; status: number; title: string; message: string }) {
  return (
    <Page ctx={ctx} title={title}>
      <Heading>{title}</Heading>
      <P>{message}</P>
      <P class="muted">Foutcode {status}.</P>
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">
          <a class="utrecht-link" href="/">
            Naar de startpagina
          </a>
        </li>
        {status === 403 && !ctx.principal && (
          <li class="utrecht-unordered-list__item">
            <a class="utrecht-link" href="/inloggen">
              Inloggen
            </a>
          </li>
        )}
      </ul>
    </Page>
  );
}
