import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Page, type Crumb } from '../../platform/views/layout.js';
import {
  Button,
  CheckboxGroup,
  CsrfField,
  DataTable,
  ErrorSummary,
  Heading,
  Link,
  P,
  SelectField,
  TextArea,
  TextField,
  type Column,
  type FieldErrors,
  type FormState,
} from '../../platform/views/components.js';
import { formValues, pathId } from '../../platform/http/forms.js';
import { NotFoundError } from '../../platform/http/errors.js';
import { Reasons } from '../registry/ui.js';
import { PILLAR_LABELS, PILLARS, QUESTION_TYPE_LABELS, QUESTION_TYPES, type ChoiceOption, type MatrixRow, type Pillar, type QuestionDef, type QuestionType, type Section } from './questionnaire.js';
import { getEdition, loadQuestionnaire, type Edition } from './service.js';
import { editQuestionnaire, isEditable, locate, moveInList, moveQuestion, readOnlyMessage, type DraftQuestion, type DraftSection, type EditProblem } from './editions-service.js';

/**
 * The questionnaire editor (programme team, 'benchmark:manage'): sections and questions of an
 * edition. Every change is checked against the definition schema for the whole resulting
 * questionnaire and against the stored answers (no answer may be orphaned); see
 * editions-service.editQuestionnaire. Also the shared bits of the edition screens.
 */

export const BENCHMARK = '/benchmark';
export const EDITIONS = '/benchmark/edities';
export const editionPath = (e: { id: number }) => `${EDITIONS}/${e.id}`;
export const editionCrumbs = (e: Edition | null, ...rest: Crumb[]): Crumb[] => [
  { href: BENCHMARK, label: 'Benchmark' },
  { href: EDITIONS, label: 'Meetmomenten' },
  ...(e ? [{ href: editionPath(e), label: e.title }] : []),
  ...rest,
];

/** The edition in the URL, for the programme team; unknown or deleted -> 404. */
export async function loadEdition(app: FastifyInstance, req: FastifyRequest): Promise<Edition> {
  req.authorize('benchmark:manage');
  const e = await getEdition(app.ctx.database.db, pathId((req.params as { id?: string }).id));
  if (!e) throw new NotFoundError();
  return e;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Why an action cannot be done, with the way back to the edition. */
export function Blocked({ reasons, edition }: { reasons: string[]; edition: Edition }) {
  return (
    <>
      <Reasons reasons={reasons} />
      <P>
        <Link href={editionPath(edition)}>Terug naar het meetmoment</Link>
      </P>
    </>
  );
}

// ---------------------------------------------------------------------------------------
// Options and rows as text: one "CODE | Label" per line, markers for "anders" and "exclusief"

const OTHER_MARKERS = ['anders', 'other'];
const EXCLUSIVE_MARKERS = ['exclusief', 'exclusive'];

export function optionsToText(options: ChoiceOption[] | undefined): string {
  return (options ?? []).map((o) => [o.code, o.label, ...(o.other ? ['anders'] : []), ...(o.exclusive ? ['exclusief'] : [])].join(' | ')).join('\n');
}
export const rowsToText = (rows: MatrixRow[] | undefined) => (rows ?? []).map((r) => `${r.code} | ${r.label}`).join('\n');

function parseLines(text: string, markers: boolean): { ok: true; items: ChoiceOption[] } | { ok: false; message: string } {
  const items: ChoiceOption[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.split('|').map((p) => p.trim());
    const [code, label, ...rest] = parts;
    if (!code || !label) {
      problems.push(`Regel ${i + 1}: schrijf CODE | Label, zoals "JA | Ja".`);
      return;
    }
    const item: ChoiceOption = { code, label };
    for (const m of rest.filter(Boolean)) {
      const mark = m.toLowerCase();
      if (markers && OTHER_MARKERS.includes(mark)) item.other = true;
      else if (markers && EXCLUSIVE_MARKERS.includes(mark)) item.exclusive = true;
      else problems.push(markers ? `Regel ${i + 1}: onbekende aanduiding "${m}"; gebruik "anders" of "exclusief".` : `Regel ${i + 1}: een rij heeft alleen een code en een label.`);
    }
    items.push(item);
  });
  return problems.length ? { ok: false, message: problems.join(' ') } : { ok: true, items };
}

// ---------------------------------------------------------------------------------------
// Question form

export const QUESTION_LABELS: Record<string, string> = {
  sectionId: 'Sectie',
  code: 'Vraagcode',
  type: 'Type vraag',
  text: 'Vraagtekst',
  help: 'Toelichting',
  required: 'Verplicht',
  options: 'Antwoordopties',
  rows: 'Rijen (matrixvraag)',
  dontKnow: '"Weet ik niet"',
  showIfQuestion: 'Alleen tonen na vraag',
  showIfRow: 'Rij van die vraag',
  showIfAnyOf: 'Als het antwoord een van deze opties is',
  notComparable: 'Vergelijkbaarheid',
  min: 'Minimum',
  max: 'Maximum',
  unit: 'Eenheid',
};

const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const checked = (v: unknown) => v === 'ja' || (Array.isArray(v) && v.includes('ja'));

function numberField(v: string): number | null | 'bad' {
  const s = v.trim().replace(',', '.');
  if (!s) return null;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : 'bad';
}

/** Reads the question form into a definition; entry errors (not the schema's) per field. */
export function parseQuestionForm(values: Record<string, unknown>): { ok: true; def: QuestionDef; sectionId: number } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const type = str(values.type) as QuestionType;
  if (!QUESTION_TYPES.includes(type)) errors.type = 'Kies een type vraag.';
  const sectionId = Number(str(values.sectionId));
  if (!Number.isInteger(sectionId) || sectionId <= 0) errors.sectionId = 'Kies een sectie.';
  const def: QuestionDef = { code: str(values.code).trim(), type, text: str(values.text).trim() };
  const help = str(values.help).trim();
  if (help) def.help = help;
  if (checked(values.required)) def.required = true;
  if (type !== 'yesno') {
    const opts = parseLines(str(values.options), true);
    if (!opts.ok) errors.options = opts.message;
    else if (opts.items.length) def.options = opts.items;
  }
  const rows = parseLines(str(values.rows), false);
  if (!rows.ok) errors.rows = rows.message;
  else if (rows.items.length) def.rows = rows.items.map(({ code, label }) => ({ code, label }));
  if (checked(values.dontKnow)) def.dontKnow = true;
  const showQ = str(values.showIfQuestion).trim();
  if (showQ) {
    const anyOf = str(values.showIfAnyOf)
      .split(/[,;|\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (!anyOf.length) errors.showIfAnyOf = 'Noem minstens één optiecode van die vraag, zoals JA of ALL, SPEC.';
    const row = str(values.showIfRow).trim();
    def.showIf = { question: showQ, ...(row ? { row } : {}), anyOf };
  } else if (str(values.showIfAnyOf).trim() || str(values.showIfRow).trim()) errors.showIfQuestion = 'Kies de vraag waar de voorwaarde op gaat, of maak de voorwaarde leeg.';
  if (checked(values.notComparable)) def.notComparable = true;
  if (type === 'number') {
    for (const k of ['min', 'max'] as const) {
      const n = numberField(str(values[k]));
      if (n === 'bad') errors[k] = 'Vul een getal in, zoals 0 of 12,5, of laat het veld leeg.';
      else if (n != null) def[k] = n;
    }
    const unit = str(values.unit).trim();
    if (unit) def.unit = unit;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, def, sectionId };
}

export function questionFormValues(q: QuestionDef, sectionId: number | null): Record<string, unknown> {
  return {
    sectionId: sectionId == null ? '' : String(sectionId),
    code: q.code,
    type: q.type,
    text: q.text,
    help: q.help ?? '',
    required: q.required ? 'ja' : '',
    options: q.type === 'yesno' ? '' : optionsToText(q.options),
    rows: rowsToText(q.rows),
    dontKnow: q.dontKnow ? 'ja' : '',
    showIfQuestion: q.showIf?.question ?? '',
    showIfRow: q.showIf?.row ?? '',
    showIfAnyOf: q.showIf?.anyOf.join(', ') ?? '',
    notComparable: q.notComparable ? 'ja' : '',
    min: q.min == null ? '' : String(q.min).replace('.', ','),
    max: q.max == null ? '' : String(q.max).replace('.', ','),
    unit: q.unit ?? '',
  };
}

const QUESTION_FIELDS: Record<string, string> = { code: 'code', type: 'type', text: 'text', help: 'help', required: 'required', dontKnow: 'dontKnow', notComparable: 'notComparable', min: 'min', max: 'max', unit: 'unit' };

/** Describes a definition path for a message about another part of the questionnaire. */
function describePath(draft: DraftSection[] | null, path: (string | number)[]): string {
  const [, si, , qi] = path;
  const s = typeof si === 'number' ? draft?.[si] : undefined;
  const q = typeof qi === 'number' ? s?.questions[qi] : undefined;
  if (q) return `Vraag ${q.code}`;
  if (s) return `Sectie ${s.code}`;
  return 'Vragenlijst';
}

/** Puts the problems of a change on the fields of the edited question (or the form as a whole). */
export function questionErrors(problems: EditProblem[], after: DraftSection[] | null, at: [number, number] | null, code: string): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] = errors[field] ? `${errors[field]} ${capitalise(msg)}` : capitalise(msg));
  for (const p of problems) {
    if (p.field && (!p.questionCode || p.questionCode === code)) {
      add(p.field, p.message);
      continue;
    }
    const path = p.path ?? [];
    const mine = at && path[0] === 'sections' && path[1] === at[0] && path[2] === 'questions' && path[3] === at[1];
    if (!mine) {
      add('_form', path.length ? `${describePath(after, path)}: ${p.message}` : p.message);
      continue;
    }
    const [field, index] = path.slice(4);
    if (field === 'options' || field === 'rows') add(field, typeof index === 'number' ? `Regel ${index + 1}: ${p.message}` : p.message);
    else if (field === 'showIf') add(/geen optie/.test(p.message) ? 'showIfAnyOf' : /rij/.test(p.message) ? 'showIfRow' : 'showIfQuestion', p.message);
    else if (typeof field === 'string' && QUESTION_FIELDS[field]) add(QUESTION_FIELDS[field], p.message);
    else add('_form', p.message);
  }
  return errors;
}

function OptionsHelp() {
  return (
    <div class="editor-help" id="opties-uitleg">
      <h2 class="utrecht-heading-2">Zo schrijft u opties en rijen</h2>
      <P>
        Eén optie per regel: eerst de code, dan een verticale streep en het label. De code is wat wordt opgeslagen en waarmee meetmomenten worden vergeleken: houd hem
        gelijk als de vraag hetzelfde blijft, ook als u het label verandert. Achter een optie kunt u na nog een streep aangeven:
      </P>
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">
          <code>anders</code>: "anders, namelijk …", de respondent vult er een tekst bij in;
        </li>
        <li class="utrecht-unordered-list__item">
          <code>exclusief</code>: kan niet samen met andere opties worden gekozen (bij meerdere keuzes, bijvoorbeeld "geen van deze").
        </li>
      </ul>
      <pre class="editor-example">{`WOR | Welzijn op Recept\nMAP | Sociale kaart\nOTHER | Anders, namelijk | anders\nNONE | Geen van deze | exclusief`}</pre>
      <P>
        Rijen van een matrixvraag schrijft u op dezelfde manier (<code>GEM | Gemeente</code>), zonder aanduidingen. "Weet ik niet" is geen optie: zet daarvoor het vinkje
        hieronder aan (code <code>dont_know</code>). Ja/nee-vragen hebben vaste opties <code>yes</code> en <code>no</code>.
      </P>
      <P>
        Is een vraag al beantwoord, dan kunnen de code, het type en de gebruikte opties en rijen niet meer veranderen, en kan er geen voorwaarde bij komen die de vraag
        verbergt voor wie hem al beantwoordde; teksten en labels wel, en een voorwaarde weghalen ook. Wilt u de vraag echt anders stellen, voeg dan een nieuwe vraag toe
        met een nieuwe code en vink "gewijzigd, niet vergelijkbaar" aan.
      </P>
    </div>
  );
}

function QuestionFormPage({
  ctx,
  edition,
  title,
  action,
  form,
  sections,
  questions,
  selfCode,
}: {
  ctx: Parameters<Parameters<FastifyReply['page']>[1]>[0];
  edition: Edition;
  title: string;
  action: string;
  form: FormState;
  sections: Section[];
  questions: { code: string; text: string; type: QuestionType }[];
  selfCode: string | null;
}) {
  const sectionOptions = sections.map((s) => ({ value: String(s.id), label: `${s.code} — ${s.title}` }));
  const conditionOptions = questions
    .filter((q) => q.code !== selfCode && (q.type === 'single' || q.type === 'multiple' || q.type === 'yesno' || q.type === 'matrix'))
    .map((q) => ({ value: q.code, label: `${q.code} — ${q.text.length > 60 ? `${q.text.slice(0, 57)}…` : q.text}` }));
  // Keep a posted condition visible even when it is not (or no longer) a valid choice.
  const currentCondition = str(form.values.showIfQuestion);
  if (currentCondition && !conditionOptions.some((o) => o.value === currentCondition)) conditionOptions.push({ value: currentCondition, label: `${currentCondition} (bestaat niet)` });
  return (
    <Page ctx={ctx} title={title} crumbs={editionCrumbs(edition, { label: title })}>
      <Heading>{title}</Heading>
      <ErrorSummary errors={form.errors} labels={QUESTION_LABELS} />
      <form method="post" action={action} class="form" novalidate>
        <CsrfField token={ctx.csrfToken} />
        <SelectField name="sectionId" label={QUESTION_LABELS.sectionId!} form={form} options={sectionOptions} placeholder="Kies een sectie" required />
        <TextField
          name="code"
          label={QUESTION_LABELS.code!}
          form={form}
          required
          width="m"
          hint="Begin met een letter; alleen letters, cijfers en _. Dezelfde vraag houdt in elk meetmoment dezelfde code, zodat de antwoorden vergelijkbaar zijn."
        />
        <SelectField name="type" label={QUESTION_LABELS.type!} form={form} options={QUESTION_TYPES.map((t) => ({ value: t, label: QUESTION_TYPE_LABELS[t] }))} placeholder="Kies een type" required />
        <TextArea name="text" label={QUESTION_LABELS.text!} form={form} rows={3} required />
        <TextArea name="help" label={QUESTION_LABELS.help!} form={form} rows={2} hint="Uitleg onder de vraag, bijvoorbeeld wat met een begrip wordt bedoeld." />
        {/* On/off settings: `required` only drops the "(optioneel)" suffix of the legend. */}
        <CheckboxGroup required name="required" label={QUESTION_LABELS.required!} form={form} options={[{ value: 'ja', label: 'Deze vraag moet worden beantwoord' }]} />
        <OptionsHelp />
        <TextArea
          name="options"
          label={QUESTION_LABELS.options!}
          form={form}
          rows={8}
          hint='Bij één keuze, meerdere keuzes en matrix: één optie per regel, "CODE | Label", eventueel "| anders" of "| exclusief". Zie de uitleg hierboven.'
        />
        <TextArea name="rows" label={QUESTION_LABELS.rows!} form={form} rows={5} hint='Alleen bij een matrixvraag: één rij per regel, "CODE | Label".' />
        <CheckboxGroup required name="dontKnow" label={QUESTION_LABELS.dontKnow!} form={form} options={[{ value: 'ja', label: 'Antwoord "weet ik niet" toestaan' }]} />
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">Voorwaarde (optioneel)</legend>
          <P>Laat de vraag alleen zien als een eerdere keuzevraag een bepaald antwoord heeft. Leeg: de vraag wordt altijd getoond.</P>
          <SelectField name="showIfQuestion" label={QUESTION_LABELS.showIfQuestion!} form={form} options={conditionOptions} placeholder="Altijd tonen" hint="Alleen eerdere keuze- en matrixvragen." />
          <TextField name="showIfRow" label={QUESTION_LABELS.showIfRow!} form={form} width="s" hint="Alleen bij een matrixvraag: de rijcode." />
          <TextField name="showIfAnyOf" label={QUESTION_LABELS.showIfAnyOf!} form={form} width="m" hint="Optiecodes met komma's ertussen, zoals ALL, SPEC." />
        </fieldset>
        <CheckboxGroup required
          name="notComparable"
          label={QUESTION_LABELS.notComparable!}
          form={form}
          options={[{ value: 'ja', label: 'Gewijzigd in dit meetmoment, niet vergelijkbaar met eerdere meetmomenten' }]}
          hint="Resultaten van deze vraag worden dan niet naast die van eerdere meetmomenten gezet."
        />
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">Alleen bij een getal (optioneel)</legend>
          <TextField name="min" label={QUESTION_LABELS.min!} form={form} width="s" inputmode="decimal" />
          <TextField name="max" label={QUESTION_LABELS.max!} form={form} width="s" inputmode="decimal" />
          <TextField name="unit" label={QUESTION_LABELS.unit!} form={form} width="s" hint="Bijvoorbeeld uur of euro." />
        </fieldset>
        <div class="form-actions">
          <Button>Opslaan</Button>
          <Link href={editionPath(edition)}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------
// Section form

export const SECTION_LABELS: Record<string, string> = { code: 'Sectiecode', pillar: 'Pijler of actielijn', title: 'Titel', intro: 'Inleiding' };

function parseSectionForm(values: Record<string, unknown>): { ok: true; section: Omit<DraftSection, 'id' | 'questions'> } | { ok: false; errors: FieldErrors } {
  const pillar = str(values.pillar) as Pillar;
  if (!PILLARS.includes(pillar)) return { ok: false, errors: { pillar: 'Kies een pijler of actielijn.' } };
  const intro = str(values.intro).trim();
  return { ok: true, section: { code: str(values.code).trim(), pillar, title: str(values.title).trim(), intro: intro || null } };
}

function sectionErrors(problems: EditProblem[], after: DraftSection[] | null, index: number | null): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] = errors[field] ? `${errors[field]} ${capitalise(msg)}` : capitalise(msg));
  for (const p of problems) {
    const path = p.path ?? [];
    if (index != null && path[0] === 'sections' && path[1] === index && path.length === 3 && typeof path[2] === 'string' && SECTION_LABELS[path[2]]) add(path[2], p.message);
    else add('_form', p.path?.length ? `${describePath(after, p.path)}: ${p.message}` : p.message);
  }
  return errors;
}

function SectionFormPage({ ctx, edition, title, action, form }: { ctx: Parameters<Parameters<FastifyReply['page']>[1]>[0]; edition: Edition; title: string; action: string; form: FormState }) {
  return (
    <Page ctx={ctx} title={title} crumbs={editionCrumbs(edition, { label: title })}>
      <Heading>{title}</Heading>
      <P>Een sectie is één pagina van de vragenlijst, bij één pijler of actielijn; de resultaten worden per pijler gegroepeerd.</P>
      <ErrorSummary errors={form.errors} labels={SECTION_LABELS} />
      <form method="post" action={action} class="form" novalidate>
        <CsrfField token={ctx.csrfToken} />
        <TextField name="code" label={SECTION_LABELS.code!} form={form} required width="m" hint="Begin met een letter; alleen letters, cijfers en _." />
        <SelectField name="pillar" label={SECTION_LABELS.pillar!} form={form} options={PILLARS.map((p) => ({ value: p, label: PILLAR_LABELS[p] }))} placeholder="Kies een pijler of actielijn" required />
        <TextField name="title" label={SECTION_LABELS.title!} form={form} required />
        <TextArea name="intro" label={SECTION_LABELS.intro!} form={form} rows={3} hint="Tekst boven aan de pagina." />
        <div class="form-actions">
          <Button>Opslaan</Button>
          <Link href={editionPath(edition)}>Annuleren</Link>
        </div>
      </form>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------
// The overview on the edition page

function features(q: Section['questions'][number]): string {
  const f: string[] = [];
  if (q.required) f.push('verplicht');
  if (q.dontKnow) f.push('weet ik niet');
  if (q.showIf) f.push(`alleen als ${q.showIf.question}${q.showIf.row ? `.${q.showIf.row}` : ''} = ${q.showIf.anyOf.join(' of ')}`);
  if (q.notComparable) f.push('gewijzigd, niet vergelijkbaar');
  if (q.options.length && q.type !== 'yesno') f.push(`${q.options.length} opties`);
  if (q.rows.length) f.push(`${q.rows.length} rijen`);
  return f.join('; ');
}

function MoveButtons({ action, csrf, what, first, last }: { action: string; csrf: string; what: string; first: boolean; last: boolean }) {
  return (
    <>
      {!first && (
        <form method="post" action={action} class="inline-form">
          <CsrfField token={csrf} />
          <input type="hidden" name="richting" value="omhoog" />
          <Button variant="subtle">
            Omhoog<span class="visually-hidden"> ({what})</span>
          </Button>
        </form>
      )}
      {!last && (
        <form method="post" action={action} class="inline-form">
          <CsrfField token={csrf} />
          <input type="hidden" name="richting" value="omlaag" />
          <Button variant="subtle">
            Omlaag<span class="visually-hidden"> ({what})</span>
          </Button>
        </form>
      )}
    </>
  );
}

/** Sections and questions of an edition, with the editor's actions when the questionnaire can change. */
export function QuestionnaireOverview({ edition, sections, csrf }: { edition: Edition; sections: Section[]; csrf: string }) {
  const editable = isEditable(edition);
  const base = editionPath(edition);
  const all = sections.flatMap((s) => s.questions);
  return (
    <section aria-labelledby="vragenlijst-titel">
      <h2 class="utrecht-heading-2" id="vragenlijst-titel">
        Vragenlijst
      </h2>
      <P>
        {sections.length} {sections.length === 1 ? 'sectie' : 'secties'}, {all.length} {all.length === 1 ? 'vraag' : 'vragen'}.{' '}
        {editable ? 'Teksten en labels kunt u altijd aanpassen; codes, types en gebruikte opties van beantwoorde vragen niet.' : readOnlyMessage(edition)}
      </P>
      {editable && (
        <ul class="action-list">
          <li>
            <Link href={`${base}/secties/nieuw`}>Sectie toevoegen</Link>
          </li>
          {sections.length > 0 && (
            <li>
              <Link href={`${base}/vragen/nieuw`}>Vraag toevoegen</Link>
            </li>
          )}
        </ul>
      )}
      {sections.map((s, si) => {
        const columns: Column<Section['questions'][number]>[] = [
          { key: 'code', label: 'Code', render: (q) => <code>{q.code}</code> },
          { key: 'text', label: 'Vraag', render: (q) => q.text },
          { key: 'type', label: 'Type', render: (q) => QUESTION_TYPE_LABELS[q.type] },
          { key: 'features', label: 'Kenmerken', render: (q) => features(q) || '—' },
        ];
        if (editable)
          columns.push({
            key: 'actions',
            label: 'Acties',
            render: (q) => {
              const i = all.indexOf(q);
              return (
                <div class="editor-actions">
                  <Link href={`${base}/vragen/${q.id}/bewerken`}>
                    Bewerken<span class="visually-hidden"> (vraag {q.code})</span>
                  </Link>{' '}
                  <Link href={`${base}/vragen/${q.id}/verwijderen`}>
                    Verwijderen<span class="visually-hidden"> (vraag {q.code})</span>
                  </Link>{' '}
                  <MoveButtons action={`${base}/vragen/${q.id}/verplaatsen`} csrf={csrf} what={`vraag ${q.code}`} first={i === 0} last={i === all.length - 1} />
                </div>
              );
            },
          });
        return (
          <div class="editor-section">
            <h3 class="utrecht-heading-3">
              {s.title} <span class="muted">({s.code}, {PILLAR_LABELS[s.pillar] ?? s.pillar})</span>
            </h3>
            {s.intro && <P>{s.intro}</P>}
            {editable && (
              <div class="editor-actions">
                <Link href={`${base}/secties/${s.id}/bewerken`}>
                  Sectie bewerken<span class="visually-hidden"> ({s.code})</span>
                </Link>{' '}
                <Link href={`${base}/vragen/nieuw?sectie=${s.id}`}>
                  Vraag toevoegen<span class="visually-hidden"> aan sectie {s.code}</span>
                </Link>{' '}
                <Link href={`${base}/secties/${s.id}/verwijderen`}>
                  Sectie verwijderen<span class="visually-hidden"> ({s.code})</span>
                </Link>{' '}
                <MoveButtons action={`${base}/secties/${s.id}/verplaatsen`} csrf={csrf} what={`sectie ${s.code}`} first={si === 0} last={si === sections.length - 1} />
              </div>
            )}
            <DataTable caption={`Vragen in sectie ${s.code}`} columns={columns} rows={s.questions} base={base} query={{ page: 1, pageSize: s.questions.length || 1 }} empty="Nog geen vragen in deze sectie." />
          </div>
        );
      })}
    </section>
  );
}

// ---------------------------------------------------------------------------------------
// Routes

export async function questionEditorRoutes(app: FastifyInstance) {
  const db = app.ctx.database.db;

  const readOnlyPage = (reply: FastifyReply, e: Edition) =>
    reply.page({ title: 'Vragenlijst kan niet worden gewijzigd', status: 409 }, (ctx) => (
      <Page ctx={ctx} title="Vragenlijst kan niet worden gewijzigd" crumbs={editionCrumbs(e, { label: 'Vragenlijst' })}>
        <Heading>Vragenlijst kan niet worden gewijzigd</Heading>
        <P>{readOnlyMessage(e)}</P>
        <P>
          <Link href={editionPath(e)}>Terug naar het meetmoment</Link>
        </P>
      </Page>
    ));

  async function loadWithQuestionnaire(req: FastifyRequest) {
    const e = await loadEdition(app, req);
    const sections = await loadQuestionnaire(db, e.id);
    return { e, sections };
  }
  const questionOf = (sections: Section[], req: FastifyRequest) => {
    const id = pathId((req.params as { qid?: string }).qid);
    const q = sections.flatMap((s) => s.questions).find((x) => x.id === id);
    if (!q) throw new NotFoundError();
    return q;
  };
  const sectionOf = (sections: Section[], req: FastifyRequest) => {
    const id = pathId((req.params as { sid?: string }).sid);
    const s = sections.find((x) => x.id === id);
    if (!s) throw new NotFoundError();
    return s;
  };
  const direction = (v: unknown): 'up' | 'down' | null => (str(v) === 'omhoog' ? 'up' : str(v) === 'omlaag' ? 'down' : null);
  const questionList = (sections: Section[]) => sections.flatMap((s) => s.questions).map((q) => ({ code: q.code, text: q.text, type: q.type }));

  // ----- questions -----
  const questionPage = (reply: FastifyReply, e: Edition, sections: Section[], opts: { title: string; action: string; form: FormState; selfCode: string | null; status?: number }) =>
    reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <QuestionFormPage ctx={ctx} edition={e} title={opts.title} action={opts.action} form={opts.form} sections={sections} questions={questionList(sections)} selfCode={opts.selfCode} />
    ));

  app.get(`${EDITIONS}/:id/vragen/nieuw`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    if (!sections.length) {
      reply.flash('info', 'Voeg eerst een sectie toe; een vraag hoort altijd bij een sectie.');
      return reply.redirect(`${editionPath(e)}/secties/nieuw`, 303);
    }
    const pre = Number((req.query as Record<string, string>).sectie);
    const sectionId = sections.some((s) => s.id === pre) ? pre : sections[sections.length - 1]!.id;
    return questionPage(reply, e, sections, { title: 'Vraag toevoegen', action: `${editionPath(e)}/vragen/nieuw`, form: { values: { sectionId: String(sectionId), type: 'single' }, errors: {} }, selfCode: null });
  });

  /** Adds a question or saves the edited one in the URL; on any problem the form returns with a message per field. */
  async function saveQuestion(req: FastifyRequest, reply: FastifyReply, editing: boolean) {
    const { e, sections } = await loadWithQuestionnaire(req);
    const q = editing ? questionOf(sections, req) : null;
    const values = formValues(req.body);
    const title = q ? `Vraag ${q.code} bewerken` : 'Vraag toevoegen';
    const action = q ? `${editionPath(e)}/vragen/${q.id}/bewerken` : `${editionPath(e)}/vragen/nieuw`;
    const page = (errors: FieldErrors) => questionPage(reply, e, sections, { title, action, form: { values, errors }, selfCode: q?.code ?? null, status: 422 });
    if (!isEditable(e)) return readOnlyPage(reply, e);
    const parsed = parseQuestionForm(values);
    if (!parsed.ok) return page(parsed.errors);
    const { def, sectionId } = parsed;
    if (!sections.some((s) => s.id === sectionId)) return page({ sectionId: 'Kies een sectie van dit meetmoment.' });
    const updated: DraftQuestion = { id: q?.id ?? null, ...def };
    const r = await editQuestionnaire(
      db,
      req.auditCtx(),
      e.id,
      (draft) => {
        const target = draft.find((s) => s.id === sectionId)!;
        const from = q ? draft.find((s) => s.questions.some((x) => x.id === q.id))! : null;
        const index = from ? from.questions.findIndex((x) => x.id === q!.id) : -1;
        if (from && from === target) from.questions[index] = updated;
        else {
          from?.questions.splice(index, 1);
          target.questions.push(updated);
        }
        return draft;
      },
      q
        ? { entity: 'benchmark_question', action: 'update', entityId: q.id, details: { code: q.code, ...(def.code !== q.code ? { newCode: def.code } : {}) } }
        : { entity: 'benchmark_question', action: 'create', details: { code: def.code, type: def.type } },
    );
    if (!r.ok) return page(questionErrors(r.problems, r.after, r.after ? locate(r.after, (x) => x.id === updated.id) : null, q?.code ?? def.code));
    reply.flash('success', q ? `Vraag ${def.code} is opgeslagen.` : `Vraag ${def.code} is toegevoegd.`);
    return reply.redirect(editionPath(e), 303);
  }

  app.post(`${EDITIONS}/:id/vragen/nieuw`, (req, reply) => saveQuestion(req, reply, false));

  app.get(`${EDITIONS}/:id/vragen/:qid/bewerken`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const q = questionOf(sections, req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    const draft = sections.flatMap((s) => s.questions);
    const def = draft.find((x) => x.id === q.id)!;
    return questionPage(reply, e, sections, {
      title: `Vraag ${q.code} bewerken`,
      action: `${editionPath(e)}/vragen/${q.id}/bewerken`,
      form: { values: questionFormValues(def, q.sectionId), errors: {} },
      selfCode: q.code,
    });
  });

  app.post(`${EDITIONS}/:id/vragen/:qid/bewerken`, (req, reply) => saveQuestion(req, reply, true));

  const confirmPage = (reply: FastifyReply, e: Edition, opts: { title: string; text: string; action: string; button: string; problems?: string[]; status?: number }) =>
    reply.page({ title: opts.title, status: opts.status }, (ctx) => (
      <Page ctx={ctx} title={opts.title} crumbs={editionCrumbs(e, { label: opts.title })}>
        <Heading>{opts.title}</Heading>
        {opts.problems?.length ? (
          <>
            <Blocked reasons={opts.problems.map(capitalise)} edition={e} />
          </>
        ) : (
          <>
            <P>{opts.text}</P>
            <form method="post" action={opts.action} class="form-actions" data-confirm={`${opts.button}?`}>
              <CsrfField token={ctx.csrfToken} />
              <Button>{opts.button}</Button>
              <Link href={editionPath(e)}>Annuleren, terug</Link>
            </form>
          </>
        )}
      </Page>
    ));

  const problemTexts = (problems: EditProblem[], after: DraftSection[] | null) => problems.map((p) => (p.path?.length ? `${describePath(after, p.path)}: ${p.message}` : p.message));

  app.get(`${EDITIONS}/:id/vragen/:qid/verwijderen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const q = questionOf(sections, req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    return confirmPage(reply, e, {
      title: `Vraag ${q.code} verwijderen`,
      text: `"${q.text}" wordt uit de vragenlijst verwijderd. Dit kan alleen zolang niemand de vraag heeft beantwoord.`,
      action: `${editionPath(e)}/vragen/${q.id}/verwijderen`,
      button: 'Ja, verwijder deze vraag',
    });
  });

  app.post(`${EDITIONS}/:id/vragen/:qid/verwijderen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const q = questionOf(sections, req);
    const r = await editQuestionnaire(
      db,
      req.auditCtx(),
      e.id,
      (draft) => {
        for (const s of draft) s.questions = s.questions.filter((x) => x.id !== q.id);
        return draft;
      },
      { entity: 'benchmark_question', action: 'delete', entityId: q.id, details: { code: q.code } },
    );
    if (!r.ok) return confirmPage(reply, e, { title: `Vraag ${q.code} verwijderen`, text: '', action: '', button: '', problems: problemTexts(r.problems, r.after), status: 422 });
    reply.flash('success', `Vraag ${q.code} is verwijderd.`);
    return reply.redirect(editionPath(e), 303);
  });

  app.post(`${EDITIONS}/:id/vragen/:qid/verplaatsen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const q = questionOf(sections, req);
    const dir = direction(formValues(req.body).richting);
    if (!dir) throw new NotFoundError();
    const r = await editQuestionnaire(db, req.auditCtx(), e.id, (draft) => moveQuestion(draft, q.id, dir), {
      entity: 'benchmark_question',
      action: 'update',
      entityId: q.id,
      details: { code: q.code, moved: dir },
    });
    if (!r.ok) reply.flash('error', `Vraag ${q.code} is niet verplaatst. ${problemTexts(r.problems, r.after).join(' ')}`);
    return reply.redirect(`${editionPath(e)}#vragenlijst-titel`, 303);
  });

  // ----- sections -----
  const sectionPage = (reply: FastifyReply, e: Edition, opts: { title: string; action: string; form: FormState; status?: number }) =>
    reply.page({ title: opts.title, status: opts.status }, (ctx) => <SectionFormPage ctx={ctx} edition={e} title={opts.title} action={opts.action} form={opts.form} />);

  app.get(`${EDITIONS}/:id/secties/nieuw`, async (req, reply) => {
    const { e } = await loadWithQuestionnaire(req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    return sectionPage(reply, e, { title: 'Sectie toevoegen', action: `${editionPath(e)}/secties/nieuw`, form: { values: {}, errors: {} } });
  });

  app.post(`${EDITIONS}/:id/secties/nieuw`, async (req, reply) => {
    const { e } = await loadWithQuestionnaire(req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    const values = formValues(req.body);
    const page = (errors: FieldErrors) => sectionPage(reply, e, { title: 'Sectie toevoegen', action: `${editionPath(e)}/secties/nieuw`, form: { values, errors }, status: 422 });
    const parsed = parseSectionForm(values);
    if (!parsed.ok) return page(parsed.errors);
    const r = await editQuestionnaire(db, req.auditCtx(), e.id, (draft) => [...draft, { id: null, ...parsed.section, questions: [] }], {
      entity: 'benchmark_section',
      action: 'create',
      details: { code: parsed.section.code },
    });
    if (!r.ok) return page(sectionErrors(r.problems, r.after, r.after ? r.after.length - 1 : null));
    reply.flash('success', `Sectie ${parsed.section.code} is toegevoegd.`);
    return reply.redirect(editionPath(e), 303);
  });

  app.get(`${EDITIONS}/:id/secties/:sid/bewerken`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const s = sectionOf(sections, req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    return sectionPage(reply, e, { title: `Sectie ${s.code} bewerken`, action: `${editionPath(e)}/secties/${s.id}/bewerken`, form: { values: { code: s.code, pillar: s.pillar, title: s.title, intro: s.intro ?? '' }, errors: {} } });
  });

  app.post(`${EDITIONS}/:id/secties/:sid/bewerken`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const s = sectionOf(sections, req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    const values = formValues(req.body);
    const page = (errors: FieldErrors) => sectionPage(reply, e, { title: `Sectie ${s.code} bewerken`, action: `${editionPath(e)}/secties/${s.id}/bewerken`, form: { values, errors }, status: 422 });
    const parsed = parseSectionForm(values);
    if (!parsed.ok) return page(parsed.errors);
    const index = sections.indexOf(s);
    const r = await editQuestionnaire(
      db,
      req.auditCtx(),
      e.id,
      (draft) => {
        Object.assign(draft[index]!, parsed.section);
        return draft;
      },
      { entity: 'benchmark_section', action: 'update', entityId: s.id, details: { code: s.code } },
    );
    if (!r.ok) return page(sectionErrors(r.problems, r.after, index));
    reply.flash('success', `Sectie ${parsed.section.code} is opgeslagen.`);
    return reply.redirect(editionPath(e), 303);
  });

  app.get(`${EDITIONS}/:id/secties/:sid/verwijderen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const s = sectionOf(sections, req);
    if (!isEditable(e)) return readOnlyPage(reply, e);
    return confirmPage(reply, e, {
      title: `Sectie ${s.code} verwijderen`,
      text: s.questions.length
        ? `De sectie "${s.title}" en de ${s.questions.length === 1 ? 'vraag' : `${s.questions.length} vragen`} erin (${s.questions.map((q) => q.code).join(', ')}) worden verwijderd. Dit kan alleen zolang geen van die vragen is beantwoord.`
        : `De lege sectie "${s.title}" wordt verwijderd.`,
      action: `${editionPath(e)}/secties/${s.id}/verwijderen`,
      button: 'Ja, verwijder deze sectie',
    });
  });

  app.post(`${EDITIONS}/:id/secties/:sid/verwijderen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const s = sectionOf(sections, req);
    const r = await editQuestionnaire(db, req.auditCtx(), e.id, (draft) => draft.filter((x) => x.id !== s.id), {
      entity: 'benchmark_section',
      action: 'delete',
      entityId: s.id,
      details: { code: s.code, questions: s.questions.map((q) => q.code) },
    });
    if (!r.ok) return confirmPage(reply, e, { title: `Sectie ${s.code} verwijderen`, text: '', action: '', button: '', problems: problemTexts(r.problems, r.after), status: 422 });
    reply.flash('success', `Sectie ${s.code} is verwijderd.`);
    return reply.redirect(editionPath(e), 303);
  });

  app.post(`${EDITIONS}/:id/secties/:sid/verplaatsen`, async (req, reply) => {
    const { e, sections } = await loadWithQuestionnaire(req);
    const s = sectionOf(sections, req);
    const dir = direction(formValues(req.body).richting);
    if (!dir) throw new NotFoundError();
    const r = await editQuestionnaire(
      db,
      req.auditCtx(),
      e.id,
      (draft) => {
        moveInList(draft, sections.indexOf(s), dir);
        return draft;
      },
      { entity: 'benchmark_section', action: 'update', entityId: s.id, details: { code: s.code, moved: dir } },
    );
    if (!r.ok) reply.flash('error', `Sectie ${s.code} is niet verplaatst. ${problemTexts(r.problems, r.after).join(' ')}`);
    return reply.redirect(`${editionPath(e)}#vragenlijst-titel`, 303);
  });
}
