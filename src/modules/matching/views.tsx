import type { Crumb } from '../../platform/views/layout.js';
import type { Option } from '../../platform/views/components.js';
import { COALITION_SECTOR_LABELS, COALITION_SECTORS, type CoalitionSector } from '../network/model.js';
import { nlDate } from '../registry/ui.js';
import { BOARD_THEME_LABELS, BOARD_THEMES, POST_KIND_LABELS, POST_KINDS, POST_STATUS_LABELS, type BoardTheme, type PostKind, type PostStatus } from './model.js';
import type { BoardListItem } from './search.js';

/** Shared view parts of the demand-and-offer board. CSS: the "Board" block in public/css/site.css. */

export const BASE = '/vraag-en-aanbod';
export const BOARD_CRUMBS: Crumb[] = [
  { href: '/beheer', label: 'Overzicht' },
  { href: BASE, label: 'Vraag en aanbod' },
];

export const KIND_OPTIONS: Option[] = POST_KINDS.map((k) => ({ value: k, label: POST_KIND_LABELS[k] }));
export const THEME_OPTIONS: Option[] = BOARD_THEMES.map((t) => ({ value: t, label: BOARD_THEME_LABELS[t] }));
export const SECTOR_OPTIONS: Option[] = COALITION_SECTORS.map((s) => ({ value: s, label: COALITION_SECTOR_LABELS[s] }));

export const themeLabel = (t: string) => BOARD_THEME_LABELS[t as BoardTheme] ?? t;
export const sectorLabel = (s: string) => COALITION_SECTOR_LABELS[s as CoalitionSector] ?? s;
export const kindLabel = (k: string) => POST_KIND_LABELS[k as PostKind] ?? k;

/** "Landelijk", "Provincie Utrecht" or "Utrecht (gemeente Utrecht)". */
export function regionText(r: { provinceName: string | null; municipalityName: string | null }): string {
  if (!r.provinceName) return 'Landelijk';
  return r.municipalityName ? `${r.provinceName}, gemeente ${r.municipalityName}` : `Provincie ${r.provinceName}`;
}

/** The status in words, "Verlopen" for an open post past its date. */
export function statusText(s: { status: PostStatus; validUntil: string }, today: string): string {
  if (s.status === 'open' && s.validUntil < today) return 'Verlopen';
  return POST_STATUS_LABELS[s.status] ?? s.status;
}

/** The kind as a labelled tag: the word carries the meaning, the colour only repeats it. */
export function KindTag({ kind }: { kind: string }) {
  return <span class={`board-kind board-kind--${kind === 'offer' ? 'offer' : 'request'}`}>{kindLabel(kind)}</span>;
}

export function ThemeList({ themes }: { themes: string[] }) {
  return (
    <ul class="board-tags">
      {themes.map((t) => (
        <li class="board-tag">{themeLabel(t)}</li>
      ))}
    </ul>
  );
}

/** One post in the board list: kind, title (link), excerpt, themes, region, poster and date. */
export function PostCard({ post }: { post: BoardListItem }) {
  return (
    <li class="board-item">
      <article aria-labelledby={`bericht-${post.id}`}>
        <p class="board-item__kind">
          <KindTag kind={post.kind} />
        </p>
        <h2 class="utrecht-heading-3 board-item__title" id={`bericht-${post.id}`}>
          <a class="utrecht-link" href={`${BASE}/${post.id}`}>
            {post.title}
          </a>
        </h2>
        <p class="utrecht-paragraph board-item__excerpt">{post.excerpt}</p>
        <dl class="board-item__facts">
          <div>
            <dt>Thema's</dt>
            <dd>{post.themes.map(themeLabel).join(', ')}</dd>
          </div>
          <div>
            <dt>Regio</dt>
            <dd>{regionText(post)}</dd>
          </div>
          <div>
            <dt>Namens</dt>
            <dd>
              {post.posterName}
              {post.posterKind === 'coalition' ? ' (lokale coalitie)' : ''}
            </dd>
          </div>
          <div>
            <dt>Geldig tot en met</dt>
            <dd>{nlDate(post.validUntil)}</dd>
          </div>
        </dl>
      </article>
    </li>
  );
}

/** Date and time in Amsterdam, e.g. "23 november 2026, 14:05". */
export function nlDateTime(d: Date): string {
  return d.toLocaleString('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' });
}

/** A text with line breaks as paragraphs (escaped by Preact). */
export function TextBlock({ text }: { text: string }) {
  return (
    <div class="board-text">
      {text
        .split(/\n{2,}/)
        .filter((p) => p.trim())
        .map((para) => (
          <p class="utrecht-paragraph">{para}</p>
        ))}
    </div>
  );
}
