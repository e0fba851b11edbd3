import type { ComponentChildren } from 'preact';

/** Field errors keyed by field name; the form pattern of the whole platform. */
export type FieldErrors = Record<string, string>;

export interface FormState<V = Record<string, unknown>> {
  values: Partial<V> & Record<string, unknown>;
  errors: FieldErrors;
}

export const emptyForm = <V,>(values: Partial<V> = {}): FormState<V> => ({ values: values as FormState<V>['values'], errors: {} });

const str = (v: unknown) => (v == null ? '' : String(v));
export const fieldId = (name: string) => `veld-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

export function Heading({ level = 1, children }: { level?: 1 | 2 | 3; children: ComponentChildren }) {
  const Tag = `h${level}` as 'h1';
  return <Tag class={`utrecht-heading-${level}`}>{children}</Tag>;
}

export function P({ children, class: cls }: { children: ComponentChildren; class?: string }) {
  return <p class={`utrecht-paragraph${cls ? ` ${cls}` : ''}`}>{children}</p>;
}

export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren; [k: string]: unknown }) {
  return (
    <a class="utrecht-link" href={href} {...rest}>
      {children}
    </a>
  );
}

/** Error summary at the top of a form: focusable, each error links to its field. */
export function ErrorSummary({ errors, labels }: { errors: FieldErrors; labels?: Record<string, string> }) {
  const entries = Object.entries(errors);
  if (!entries.length) return null;
  return (
    <div class="utrecht-alert utrecht-alert--error error-summary" role="alert" aria-labelledby="foutmelding-titel" tabIndex={-1} id="foutoverzicht">
      <h2 class="utrecht-heading-2" id="foutmelding-titel">
        {entries.length === 1 ? 'Er is 1 fout in het formulier' : `Er zijn ${entries.length} fouten in het formulier`}
      </h2>
      <ul class="utrecht-unordered-list">
        {entries.map(([name, msg]) => (
          <li class="utrecht-unordered-list__item">
            {name.startsWith('_') ? (
              // A problem with the form as a whole: no field to jump to.
              msg
            ) : (
              <a class="utrecht-link" href={`#${fieldId(name)}`}>
                {labels?.[name] ? `${labels[name]}: ` : ''}
                {msg}
              </a>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  form: FormState<any>;
  hint?: string;
  required?: boolean;
  /** A search/filter field: no "(optioneel)" after the label, yet not required either. */
  filter?: boolean;
}

/** The hint and the error message of a field or group (their ids are used by aria-describedby). */
function FieldMessages({ id, hint, err }: { id: string; hint?: string; err?: string }) {
  return (
    <>
      {hint && (
        <div class="utrecht-form-field-description" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {err && (
        <div class="utrecht-form-field-error-message" id={`${id}-error`}>
          <span class="visually-hidden">Fout: </span>
          {err}
        </div>
      )}
    </>
  );
}

function FieldWrap({ name, label, form, hint, required, filter, children }: FieldProps & { children: ComponentChildren }) {
  const err = form.errors[name];
  const id = fieldId(name);
  return (
    <div class={`utrecht-form-field${err ? ' utrecht-form-field--invalid' : ''}`}>
      <div class="utrecht-form-field__label">
        <label class="utrecht-form-label" for={id}>
          {label}
          {required || filter ? '' : ' (optioneel)'}
        </label>
      </div>
      <FieldMessages id={id} hint={hint} err={err} />
      <div class="utrecht-form-field__input">{children}</div>
    </div>
  );
}

function describedBy(name: string, form: FormState<any>, hint?: string) {
  const id = fieldId(name);
  const ids = [hint ? `${id}-hint` : '', form.errors[name] ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

/** A required file upload (imports), in the same form pattern. */
export function FileField(props: Omit<FieldProps, 'required' | 'filter'> & { accept: string }) {
  const { name, form, hint, accept } = props;
  return (
    <FieldWrap {...props} required>
      <input
        class="utrecht-textbox utrecht-textbox--html-input"
        type="file"
        id={fieldId(name)}
        name={name}
        accept={accept}
        aria-required="true"
        aria-invalid={form.errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, form, hint)}
      />
    </FieldWrap>
  );
}

export function TextField(
  props: FieldProps & { type?: 'text' | 'email' | 'password' | 'date' | 'number' | 'url' | 'tel' | 'search'; autocomplete?: string; inputmode?: string; width?: 'xs' | 's' | 'm' | 'l' },
) {
  const { name, form, type = 'text', required, hint, autocomplete, inputmode, width } = props;
  // aria-required only, no native `required`: validation is server-side with the error summary,
  // and a native `required` made browsers silently block GET filter forms.
  return (
    <FieldWrap {...props}>
      <input
        class={`utrecht-textbox utrecht-textbox--html-input${form.errors[name] ? ' utrecht-textbox--invalid' : ''}${width ? ` width-${width}` : ''}`}
        id={fieldId(name)}
        name={name}
        type={type}
        value={type === 'password' ? '' : str(form.values[name])}
        aria-required={required ? 'true' : undefined}
        aria-invalid={form.errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, form, hint)}
        autocomplete={autocomplete}
        inputMode={inputmode as any}
      />
    </FieldWrap>
  );
}

export function TextArea(props: FieldProps & { rows?: number }) {
  const { name, form, required, hint, rows = 4 } = props;
  return (
    <FieldWrap {...props}>
      <textarea
        class={`utrecht-textarea utrecht-textarea--html-textarea${form.errors[name] ? ' utrecht-textarea--invalid' : ''}`}
        id={fieldId(name)}
        name={name}
        rows={rows}
        aria-required={required ? 'true' : undefined}
        aria-invalid={form.errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, form, hint)}
      >
        {str(form.values[name])}
      </textarea>
    </FieldWrap>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(props: FieldProps & { options: Option[]; placeholder?: string }) {
  const { name, form, required, hint, options, placeholder } = props;
  const current = str(form.values[name]);
  return (
    <FieldWrap {...props}>
      <select
        class={`utrecht-select utrecht-select--html-select${form.errors[name] ? ' utrecht-select--invalid' : ''}`}
        id={fieldId(name)}
        name={name}
        aria-required={required ? 'true' : undefined}
        aria-invalid={form.errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, form, hint)}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option value={o.value} selected={o.value === current}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldWrap>
  );
}

export function CheckboxGroup(props: FieldProps & { options: Option[] }) {
  const { name, label, form, hint, options, required } = props;
  const raw = form.values[name];
  const selected = new Set(Array.isArray(raw) ? raw.map(String) : raw ? [String(raw)] : []);
  const err = form.errors[name];
  const id = fieldId(name);
  return (
    <fieldset class={`utrecht-form-fieldset${err ? ' utrecht-form-fieldset--invalid' : ''}`} id={id} tabIndex={-1} aria-describedby={describedBy(name, form, hint)}>
      <legend class="utrecht-form-fieldset__legend">
        {label}
        {required ? '' : ' (optioneel)'}
      </legend>
      <FieldMessages id={id} hint={hint} err={err} />
      {options.map((o, i) => (
        <div class="utrecht-form-field utrecht-form-field--checkbox">
          <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id={`${id}-${i}`} name={name} value={o.value} checked={selected.has(o.value)} />{' '}
          <label class="utrecht-form-label utrecht-form-label--checkbox" for={`${id}-${i}`}>
            {o.label}
          </label>
        </div>
      ))}
    </fieldset>
  );
}

/** One choice out of a list: a fieldset with a legend, hint and error, radios with labels. */
export function RadioGroup(props: FieldProps & { options: (Option & { hint?: string })[]; /** Show the legend as an h2 (a form section that is one question). */ headingLegend?: boolean }) {
  const { name, label, form, hint, options, required, headingLegend } = props;
  const current = str(form.values[name]);
  const err = form.errors[name];
  const id = fieldId(name);
  return (
    <fieldset
      class={`utrecht-form-fieldset${err ? ' utrecht-form-fieldset--invalid' : ''}`}
      id={id}
      tabIndex={-1}
      role="radiogroup"
      aria-required={required ? 'true' : undefined}
      aria-invalid={err ? 'true' : undefined}
      aria-describedby={describedBy(name, form, hint)}
    >
      <legend class="utrecht-form-fieldset__legend">
        {headingLegend ? (
          <h2 class="utrecht-heading-2">
            {label}
            {required ? '' : ' (optioneel)'}
          </h2>
        ) : (
          <>
            {label}
            {required ? '' : ' (optioneel)'}
          </>
        )}
      </legend>
      <FieldMessages id={id} hint={hint} err={err} />
      {options.map((o, i) => (
        <div class="utrecht-form-field utrecht-form-field--radio">
          <input
            class="utrecht-radio-button utrecht-radio-button--html-input"
            type="radio"
            id={`${id}-${i}`}
            name={name}
            value={o.value}
            checked={o.value === current}
            aria-describedby={o.hint ? `${id}-${i}-hint` : undefined}
          />{' '}
          <label class="utrecht-form-label utrecht-form-label--radio" for={`${id}-${i}`}>
            {o.label}
          </label>
          {o.hint && (
            <div class="utrecht-form-field-description" id={`${id}-${i}-hint`}>
              {o.hint}
            </div>
          )}
        </div>
      ))}
    </fieldset>
  );
}

/** A single yes/no checkbox (value "ja") with its label, hint and error. */
export function Checkbox({ name, label, form, hint }: { name: string; label: string; form: FormState<any>; hint?: string }) {
  const err = form.errors[name];
  const id = fieldId(name);
  return (
    <div class={`utrecht-form-field utrecht-form-field--checkbox${err ? ' utrecht-form-field--invalid' : ''}`}>
      <input
        class="utrecht-checkbox utrecht-checkbox--html-input"
        type="checkbox"
        id={id}
        name={name}
        value="ja"
        checked={form.values[name] === 'ja' || form.values[name] === true}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={describedBy(name, form, hint)}
      />{' '}
      <label class="utrecht-form-label utrecht-form-label--checkbox" for={id}>
        {label}
      </label>
      <FieldMessages id={id} hint={hint} err={err} />
    </div>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function Button({ children, variant = 'primary', type = 'submit', ...rest }: { children: ComponentChildren; variant?: 'primary' | 'secondary' | 'subtle'; type?: 'submit' | 'button'; [k: string]: unknown }) {
  return (
    <button class={`utrecht-button utrecht-button--${variant === 'primary' ? 'primary-action' : variant === 'secondary' ? 'secondary-action' : 'subtle'}`} type={type} {...rest}>
      {children}
    </button>
  );
}

export function ButtonLink({ href, children, variant = 'secondary' }: { href: string; children: ComponentChildren; variant?: 'primary' | 'secondary' }) {
  return (
    <a class={`utrecht-button-link utrecht-button-link--html-a utrecht-button-link--${variant === 'primary' ? 'primary-action' : 'secondary-action'}`} href={href}>
      {children}
    </a>
  );
}

export interface Column<T> {
  key: string;
  label: string;
  sortable?: boolean;
  numeric?: boolean;
  render: (row: T) => ComponentChildren;
}

export interface ListQuery {
  q?: string;
  sort?: string;
  dir?: 'asc' | 'desc';
  page: number;
  pageSize: number;
  [filter: string]: unknown;
}

/** Builds a URL for a list with the current query and some overrides. */
export function listUrl(base: string, query: Record<string, unknown>, over: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...over })) {
    if (v === undefined || v === null || v === '' || k === 'pageSize') continue;
    if (k === 'page' && Number(v) === 1) continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

/** A sortable table with a caption; sorting happens on the server through links. */
export function DataTable<T>({ caption, columns, rows, base, query, empty = 'Geen resultaten.' }: { caption: string; columns: Column<T>[]; rows: T[]; base: string; query: ListQuery; empty?: string }) {
  return (
    <div class="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="utrecht-table utrecht-table--html-table">
        <caption class="utrecht-table__caption">{caption}</caption>
        <thead class="utrecht-table__header">
          <tr class="utrecht-table__row">
            {columns.map((c) => {
              const active = query.sort === c.key;
              const nextDir = active && query.dir !== 'desc' ? 'desc' : 'asc';
              return (
                <th
                  class={`utrecht-table__header-cell${c.numeric ? ' utrecht-table__header-cell--numeric' : ''}`}
                  scope="col"
                  aria-sort={active ? (query.dir === 'desc' ? 'descending' : 'ascending') : undefined}
                >
                  {c.sortable ? (
                    <a class="utrecht-link sort-link" href={listUrl(base, query, { sort: c.key, dir: nextDir, page: 1 })}>
                      {c.label}
                      <span class="visually-hidden">, sorteer {nextDir === 'asc' ? 'oplopend' : 'aflopend'}</span>
                      <span aria-hidden="true">{active ? (query.dir === 'desc' ? ' ▼' : ' ▲') : ' ↕'}</span>
                    </a>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody class="utrecht-table__body">
          {rows.length === 0 ? (
            <tr class="utrecht-table__row">
              <td class="utrecht-table__cell" colSpan={columns.length}>
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr class="utrecht-table__row">
                {columns.map((c) => (
                  <td class={`utrecht-table__cell${c.numeric ? ' utrecht-table__cell--numeric' : ''}`}>{c.render(r)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({ base, query, total }: { base: string; query: ListQuery; total: number }) {
  const pages = Math.max(1, Math.ceil(total / query.pageSize));
  const page = Math.min(query.page, pages);
  const from = total === 0 ? 0 : (page - 1) * query.pageSize + 1;
  const to = Math.min(total, page * query.pageSize);
  return (
    <nav class="pagination" aria-label="Paginering">
      <p class="utrecht-paragraph" aria-live="polite">
        {total === 0 ? 'Geen resultaten' : `${from}–${to} van ${total} resultaten`} · pagina {page} van {pages}
      </p>
      {pages > 1 && (
        <ul class="pagination__list">
          {page > 1 && (
            <li>
              <a class="utrecht-link" href={listUrl(base, query, { page: page - 1 })} rel="prev">
                Vorige pagina
              </a>
            </li>
          )}
          {page < pages && (
            <li>
              <a class="utrecht-link" href={listUrl(base, query, { page: page + 1 })} rel="next">
                Volgende pagina
              </a>
            </li>
          )}
        </ul>
      )}
    </nav>
  );
}

export function SummaryList({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="summary-list">
      {items.map(([k, v]) => (
        <div class="summary-list__row">
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Alert({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning' | 'error'; children: ComponentChildren }) {
  const prefix = { info: 'Let op', success: 'Gelukt', warning: 'Waarschuwing', error: 'Fout' }[kind];
  return (
    <div class={`utrecht-alert utrecht-alert--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <p class="utrecht-paragraph">
        <strong>{prefix}: </strong>
        {children}
      </p>
    </div>
  );
}
