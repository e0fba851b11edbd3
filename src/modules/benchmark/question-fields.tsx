import type { ComponentChildren } from 'preact';
import { fieldId } from '../../platform/views/components.js';
import { choicesOf, DONT_KNOW, DONT_KNOW_LABEL, fieldName, otherFieldName, type Question } from './questionnaire.js';

/**
 * Form controls for the questions of a benchmark questionnaire, one per question type, in the
 * platform's form pattern: a fieldset with legend for every group of choices, a label on every
 * control, help text / condition / error tied to the control with aria-describedby, and the
 * values as the respondent last entered them (also invalid ones). No JavaScript needed;
 * public/js/app.js only adds conveniences (hiding same-page conditional questions, exclusive
 * options, "anders, namelijk").
 */

/** Posted or stored form values (see answerToFormValues / parseAnswer). */
export type FormValues = Record<string, string | string[] | undefined>;

/** A same-page condition: shown as a hint, and used by app.js to hide the question. */
export interface FieldCondition {
  /** "Alleen beantwoorden als u bij vraag 3 ‘Anders, namelijk’ koos." */
  text: string;
  /** The form field the condition reads (q_CODE or q_CODE__ROW). */
  field: string;
  /** The option codes that make the question apply. */
  values: string[];
}

export interface QuestionFieldProps {
  q: Question;
  /** The question's number in the whole questionnaire (1-based). */
  number: number;
  values: FormValues;
  error?: string;
  condition?: FieldCondition | null;
}

/** The id the error summary links to for a question (its fieldset or its input). */
export const questionAnchor = (q: Pick<Question, 'code'>) => fieldId(fieldName(q));

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const asText = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

function ids(q: Question, p: QuestionFieldProps) {
  const base = questionAnchor(q);
  return {
    base,
    hint: `${base}-hint`,
    cond: `${base}-cond`,
    error: `${base}-error`,
    describedBy: [q.help ? `${base}-hint` : '', p.condition ? `${base}-cond` : '', p.error ? `${base}-error` : ''].filter(Boolean).join(' ') || undefined,
  };
}

function QuestionLabel({ q, number }: { q: Question; number: number }) {
  return (
    <>
      <span class="bm-question__number">{number}. </span>
      {q.text}
      {q.required ? '' : ' (optioneel)'}
    </>
  );
}

/** Help text, condition and error message under a label or legend. */
function Descriptions({ q, p, i }: { q: Question; p: QuestionFieldProps; i: ReturnType<typeof ids> }) {
  return (
    <>
      {q.help && (
        <div class="utrecht-form-field-description" id={i.hint}>
          {q.help}
        </div>
      )}
      {p.condition && (
        <div class="utrecht-form-field-description bm-condition" id={i.cond}>
          {p.condition.text}
        </div>
      )}
      {p.error && (
        <div class="utrecht-form-field-error-message" id={i.error}>
          <span class="visually-hidden">Fout: </span>
          {p.error}
        </div>
      )}
    </>
  );
}

function Fieldset({ p, i, extraClass, children }: { p: QuestionFieldProps; i: ReturnType<typeof ids>; extraClass?: string; children: ComponentChildren }) {
  return (
    <fieldset
      class={`utrecht-form-fieldset bm-fieldset${extraClass ? ` ${extraClass}` : ''}${p.error ? ' utrecht-form-fieldset--invalid' : ''}`}
      id={i.base}
      tabIndex={-1}
      aria-describedby={i.describedBy}
    >
      <legend class="utrecht-form-fieldset__legend">
        <QuestionLabel q={p.q} number={p.number} />
      </legend>
      <Descriptions q={p.q} p={p} i={i} />
      {children}
    </fieldset>
  );
}

function ChoiceField(p: QuestionFieldProps) {
  const { q, values } = p;
  const i = ids(q, p);
  const multiple = q.type === 'multiple';
  const type = multiple ? 'checkbox' : 'radio';
  const chosen = new Set(asList(values[fieldName(q)]));
  const otherValue = asText(values[otherFieldName(q)]);
  return (
    <Fieldset p={p} i={i}>
      {choicesOf(q).map((o, n) => {
        const id = `${i.base}-${n}`;
        return (
          <>
            <div class={`utrecht-form-field utrecht-form-field--${type} bm-choice`}>
              <input
                class={`utrecht-${type} utrecht-${type}--html-input`}
                type={type}
                id={id}
                name={fieldName(q)}
                value={o.code}
                checked={chosen.has(o.code)}
                data-exclusive={multiple && o.exclusive ? 'true' : undefined}
              />{' '}
              <label class={`utrecht-form-label utrecht-form-label--${type}`} for={id}>
                {o.label}
                {multiple && o.exclusive && o.code !== DONT_KNOW ? <span class="bm-choice__note"> (niet te combineren met andere antwoorden)</span> : ''}
              </label>
            </div>
            {o.other && (
              <div class="bm-other">
                <label class="utrecht-form-label" for={fieldId(otherFieldName(q))}>
                  Toelichting bij ‘{o.label}’
                </label>
                <input
                  class="utrecht-textbox utrecht-textbox--html-input width-m"
                  type="text"
                  id={fieldId(otherFieldName(q))}
                  name={otherFieldName(q)}
                  value={otherValue}
                  data-other-for={id}
                />
              </div>
            )}
          </>
        );
      })}
    </Fieldset>
  );
}

function MatrixField(p: QuestionFieldProps) {
  const { q, values, number } = p;
  const i = ids(q, p);
  const choices = choicesOf(q);
  return (
    <Fieldset p={p} i={i} extraClass="bm-matrix">
      <div class="table-scroll" role="region" aria-label={`Antwoorden per rij bij vraag ${number}`} tabIndex={0}>
        <table class="utrecht-table utrecht-table--html-table bm-matrix__table">
          <thead class="utrecht-table__header">
            <tr class="utrecht-table__row">
              <td class="utrecht-table__cell"></td>
              {choices.map((o) => (
                <th class="utrecht-table__header-cell bm-matrix__option" scope="col">
                  {o.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody class="utrecht-table__body">
            {q.rows.map((r, ri) => {
              const name = fieldName(q, r.code);
              const current = asText(values[name]);
              return (
                <tr class="utrecht-table__row">
                  <th class="utrecht-table__header-cell" scope="row">
                    {r.label}
                  </th>
                  {choices.map((o, oi) => {
                    const id = `${i.base}-${ri}-${oi}`;
                    return (
                      <td class="utrecht-table__cell bm-matrix__cell">
                        <input class="utrecht-radio utrecht-radio--html-input" type="radio" id={id} name={name} value={o.code} checked={current === o.code} />
                        <label class="visually-hidden" for={id}>
                          {r.label}: {o.label}
                        </label>
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Fieldset>
  );
}

function NumberInput({ q, p, i, id }: { q: Question; p: QuestionFieldProps; i: ReturnType<typeof ids>; id: string }) {
  const unitId = `${i.base}-unit`;
  const describedBy = [i.describedBy, q.unit ? unitId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="bm-number">
      {/* type="text": a number field would drop what the respondent typed when it is not a number. */}
      <input
        class={`utrecht-textbox utrecht-textbox--html-input width-s${p.error ? ' utrecht-textbox--invalid' : ''}`}
        type="text"
        inputmode="decimal"
        id={id}
        name={fieldName(q)}
        value={asText(p.values[fieldName(q)])}
        aria-required={q.required ? 'true' : undefined}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {q.unit && (
        <span class="bm-number__unit" id={unitId}>
          {q.unit}
        </span>
      )}
    </div>
  );
}

/** A question with a single control: its label is the question. */
function LabelledField({ p, i, children }: { p: QuestionFieldProps; i: ReturnType<typeof ids>; children: ComponentChildren }) {
  return (
    <div class={`utrecht-form-field${p.error ? ' utrecht-form-field--invalid' : ''}`}>
      <div class="utrecht-form-field__label">
        <label class="utrecht-form-label" for={i.base}>
          <QuestionLabel q={p.q} number={p.number} />
        </label>
      </div>
      <Descriptions q={p.q} p={p} i={i} />
      <div class="utrecht-form-field__input">{children}</div>
    </div>
  );
}

function NumberField(p: QuestionFieldProps) {
  const { q } = p;
  const i = ids(q, p);
  if (!q.dontKnow) {
    return (
      <LabelledField p={p} i={i}>
        <NumberInput q={q} p={p} i={i} id={i.base} />
      </LabelledField>
    );
  }
  // A number or "weet ik niet": two controls, so a fieldset; the error summary links to the input.
  const dkName = `${fieldName(q)}_dk`;
  const dkId = `${i.base}-dk`;
  return (
    <fieldset class={`utrecht-form-fieldset bm-fieldset${p.error ? ' utrecht-form-fieldset--invalid' : ''}`} id={`${i.base}-groep`}>
      <legend class="utrecht-form-fieldset__legend">
        <QuestionLabel q={q} number={p.number} />
      </legend>
      <Descriptions q={q} p={p} i={i} />
      <div class="utrecht-form-field">
        <label class="utrecht-form-label" for={i.base}>
          Getal{q.unit ? ` (${q.unit})` : ''}
        </label>
        <NumberInput q={q} p={p} i={i} id={i.base} />
      </div>
      <div class="utrecht-form-field utrecht-form-field--checkbox">
        <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id={dkId} name={dkName} value={DONT_KNOW} checked={asList(p.values[dkName]).includes(DONT_KNOW)} />{' '}
        <label class="utrecht-form-label utrecht-form-label--checkbox" for={dkId}>
          {DONT_KNOW_LABEL}
        </label>
      </div>
    </fieldset>
  );
}

function TextQuestion(p: QuestionFieldProps) {
  const { q } = p;
  const i = ids(q, p);
  const common = {
    id: i.base,
    name: fieldName(q),
    'aria-required': q.required ? ('true' as const) : undefined,
    'aria-invalid': p.error ? ('true' as const) : undefined,
    'aria-describedby': i.describedBy,
  };
  return (
    <LabelledField p={p} i={i}>
      {q.type === 'longtext' ? (
        <textarea class={`utrecht-textarea utrecht-textarea--html-textarea${p.error ? ' utrecht-textarea--invalid' : ''}`} rows={5} {...common}>
          {asText(p.values[fieldName(q)])}
        </textarea>
      ) : (
        <input class={`utrecht-textbox utrecht-textbox--html-input${p.error ? ' utrecht-textbox--invalid' : ''}`} type="text" value={asText(p.values[fieldName(q)])} {...common} />
      )}
    </LabelledField>
  );
}

/**
 * One question as a form control. A same-page condition adds a hint and data attributes that
 * app.js uses to hide the question while it does not apply (the server ignores and removes
 * answers to questions that do not apply).
 */
export function QuestionField(p: QuestionFieldProps) {
  const { q } = p;
  const body =
    q.type === 'single' || q.type === 'yesno' || q.type === 'multiple' ? (
      <ChoiceField {...p} />
    ) : q.type === 'matrix' ? (
      <MatrixField {...p} />
    ) : q.type === 'number' ? (
      <NumberField {...p} />
    ) : (
      <TextQuestion {...p} />
    );
  return (
    <div class="bm-question" data-show-if-field={p.condition?.field} data-show-if-values={p.condition?.values.join(' ')}>
      {body}
    </div>
  );
}
