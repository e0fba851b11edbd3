import { describe, expect, it } from 'vitest';
import {
  answerToFormValues,
  answerToRows,
  describeAnswer,
  DONT_KNOW,
  parseAnswer,
  questionnaireDefSchema,
  rowsToAnswer,
  validatePage,
  type Answer,
  type Question,
  type QuestionDef,
} from './questionnaire.js';
import { smallDefinition } from '../../../test/helpers/benchmark.js';

/** The small test questionnaire as stored questions (ids 1..n). */
function questions(): Question[] {
  let id = 0;
  return smallDefinition().sections.flatMap((s, si) =>
    s.questions.map((q: QuestionDef) => ({
      ...q,
      id: ++id,
      sectionId: si + 1,
      position: id,
      required: q.required ?? false,
      options: q.type === 'yesno' ? [{ code: 'yes', label: 'Ja' }, { code: 'no', label: 'Nee' }] : (q.options ?? []),
      rows: q.rows ?? [],
      dontKnow: q.dontKnow ?? false,
      notComparable: q.notComparable ?? false,
    })),
  );
}
const Q = Object.fromEntries(questions().map((q) => [q.code, q]));

describe('questionnaire definition', () => {
  it('accepts the small test questionnaire', () => {
    expect(questionnaireDefSchema.safeParse(smallDefinition()).success).toBe(true);
  });

  it('reports every problem with its path', () => {
    const def = smallDefinition() as any;
    def.sections[0].questions[1].options.push({ code: 'ALL', label: 'Dubbel' });
    def.sections[0].questions[3].showIf = { question: 'NOPE', anyOf: ['X'] };
    def.sections[1].questions[0].rows = [];
    def.sections.push({ ...def.sections[2] });
    const r = questionnaireDefSchema.safeParse(def);
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'sections.0.questions.1.options: optiecode ALL komt twee keer voor',
        'sections.0.questions.3.showIf: voorwaarde verwijst naar NOPE, dat geen eerdere vraag is',
        'sections.1.questions.0.rows: een matrixvraag heeft minstens één rij',
        'sections.3.code: sectiecode S3 komt twee keer voor',
        'sections.3.questions.0.code: vraagcode NOTE komt twee keer voor',
      ]),
    );
  });

  it('refuses a condition on an option the earlier question does not have, and the reserved dont_know code', () => {
    const def = smallDefinition() as any;
    def.sections[0].questions[3].showIf = { question: 'SUPPORT', anyOf: ['MISSING'] };
    def.sections[0].questions[1].options.push({ code: DONT_KNOW, label: 'Weet niet' });
    const msgs = questionnaireDefSchema.safeParse(def).error!.issues.map((i) => i.message);
    expect(msgs).toContain('voorwaarde: SUPPORT heeft geen optie MISSING');
    expect(msgs.some((m) => m.includes('gereserveerd'))).toBe(true);
  });
});

describe('parsing answers from a form', () => {
  it('reads single, multiple with other, matrix, number and text answers', () => {
    expect(parseAnswer(Q.AWARE!, { q_AWARE: 'SPEC' })).toEqual({ answer: { kind: 'choice', options: ['SPEC'], other: null } });
    expect(parseAnswer(Q.AWARE!, { q_AWARE: DONT_KNOW })).toEqual({ answer: { kind: 'choice', options: [DONT_KNOW], other: null } });
    expect(parseAnswer(Q.SUPPORT!, { q_SUPPORT: ['MAP', 'OTHER'], q_SUPPORT_other: ' buurtteam ' })).toEqual({
      answer: { kind: 'choice', options: ['MAP', 'OTHER'], other: 'buurtteam' },
    });
    expect(parseAnswer(Q.ROLES!, { q_ROLES__GEM: 'KAR', q_ROLES__BANK: 'NONE' })).toEqual({ answer: { kind: 'matrix', rows: { GEM: 'KAR', BANK: 'NONE' } } });
    expect(parseAnswer(Q.HOURS!, { q_HOURS: '1.000' })).toEqual({ answer: { kind: 'number', value: 1000 } });
    expect(parseAnswer(Q.HOURS!, { q_HOURS: '12,5' })).toEqual({ answer: { kind: 'number', value: 12.5 } });
    expect(parseAnswer(Q.HOURS!, { q_HOURS_dk: DONT_KNOW })).toEqual({ answer: { kind: 'number', value: null, dontKnow: true } });
    expect(parseAnswer(Q.NOTE!, { q_NOTE: '  tekst ' })).toEqual({ answer: { kind: 'text', value: 'tekst' } });
    expect(parseAnswer(Q.NOTE!, {})).toEqual({ answer: null });
  });

  it('gives a clear error for tampered codes, exclusive combinations, missing other text, bad and out-of-range numbers', () => {
    expect(parseAnswer(Q.AWARE!, { q_AWARE: 'HACK' }).error).toBe('Kies een van de gegeven antwoorden.');
    expect(parseAnswer(Q.SUPPORT!, { q_SUPPORT: ['MAP', 'NONE'] }).error).toContain('kan niet samen');
    expect(parseAnswer(Q.SUPPORT!, { q_SUPPORT: ['OTHER'] }).error).toContain('vul in wat u bedoelt');
    expect(parseAnswer(Q.SUPPORT!, { q_SUPPORT_other: 'los' }).error).toContain('koos die optie niet');
    expect(parseAnswer(Q.ROLES!, { q_ROLES__GEM: 'XX' }).error).toContain('per rij');
    expect(parseAnswer(Q.HOURS!, { q_HOURS: 'abc' }).error).toContain('Vul een getal in');
    expect(parseAnswer(Q.HOURS!, { q_HOURS: '1001' }).error).toContain('1000 of minder');
    expect(parseAnswer(Q.HOURS!, { q_HOURS: '-1' }).error).toContain('0 of meer');
    expect(parseAnswer(Q.HOURS!, { q_HOURS: '3', q_HOURS_dk: DONT_KNOW }).error).toContain('niet allebei');
    expect(parseAnswer(Q.NOTE!, { q_NOTE: 'x'.repeat(501) }).error).toContain('te lang');
  });
});

describe('storing answers', () => {
  const cases: [string, Answer][] = [
    ['WEEK', { kind: 'choice', options: ['yes'], other: null }],
    ['SUPPORT', { kind: 'choice', options: ['MAP', 'OTHER'], other: 'buurtteam' }],
    ['ROLES', { kind: 'matrix', rows: { GEM: 'KAR', WELZ: 'ACT', BANK: 'NONE' } }],
    ['HOURS', { kind: 'number', value: 12.5 }],
    ['HOURS', { kind: 'number', value: null, dontKnow: true }],
    ['NOTE', { kind: 'text', value: 'Iets' }],
  ];
  it.each(cases)('round-trips %s through rows and form values', (code, a) => {
    const q = Q[code]!;
    const rows = answerToRows(q, a);
    expect(rowsToAnswer(q, rows)).toEqual(a);
    const parsed = parseAnswer(q, answerToFormValues(q, a));
    expect(parsed.error).toBeUndefined();
    expect(parsed.answer).toEqual(a.kind === 'choice' && !a.other ? { kind: 'choice', options: a.options, other: null } : a);
  });

  it('puts the other text on the "other" option row only', () => {
    expect(answerToRows(Q.SUPPORT!, { kind: 'choice', options: ['MAP', 'OTHER'], other: 'x' }).map((r) => [r.optionCode, r.valueText])).toEqual([
      ['MAP', null],
      ['OTHER', 'x'],
    ]);
  });

  it('describes answers in Dutch', () => {
    expect(describeAnswer(Q.SUPPORT!, { kind: 'choice', options: ['MAP', 'OTHER'], other: 'buurtteam' })).toBe('Sociale kaart; Anders, namelijk: buurtteam');
    expect(describeAnswer(Q.HOURS!, { kind: 'number', value: 12.5 })).toBe('12,5 uur');
    expect(describeAnswer(Q.ROLES!, { kind: 'matrix', rows: { GEM: 'KAR' } })).toBe('Gemeente: Kartrekker; Welzijnsorganisaties: —; Financiële sector: —');
    expect(describeAnswer(Q.NOTE!, null)).toBe('—');
  });
});

describe('validating a page', () => {
  const all = questions();
  const page = all.filter((q) => q.sectionId === 1);

  it('requires required questions only when complete answers are asked for', () => {
    const answers = new Map<string, Answer | null>();
    expect(validatePage(page, all, answers, new Map(), false).errors.size).toBe(0);
    expect([...validatePage(page, all, answers, new Map(), true).errors.keys()]).toEqual(['WEEK']);
  });

  it('hides a conditional question until its condition holds, and then applies its rules', () => {
    const answers = new Map<string, Answer | null>([['SUPPORT', { kind: 'choice', options: ['MAP'] }]]);
    expect(validatePage(page, all, answers, new Map(), true).visible.has('SUPPORT_WHY')).toBe(false);
    answers.set('SUPPORT', { kind: 'choice', options: ['OTHER'], other: 'x' });
    expect(validatePage(page, all, answers, new Map(), true).visible.has('SUPPORT_WHY')).toBe(true);
  });

  it('requires every row of a required matrix', () => {
    const s2 = all.filter((q) => q.sectionId === 2);
    const answers = new Map<string, Answer | null>([['ROLES', { kind: 'matrix', rows: { GEM: 'KAR' } }]]);
    expect(validatePage(s2, all, answers, new Map(), true).errors.get('ROLES')).toBe('Beantwoord deze vraag voor elke rij.');
  });

  it('reports entry errors even when not asking for complete answers', () => {
    const errors = validatePage(page, all, new Map(), new Map([['AWARE', 'Kies een van de gegeven antwoorden.']]), false).errors;
    expect(errors.get('AWARE')).toBe('Kies een van de gegeven antwoorden.');
  });
});
