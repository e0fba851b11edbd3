import { describe, expect, it } from 'vitest';
import { h, type VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { ChoiceChart, comparedSeries, formatPercent, MatrixChart, NOT_PUBLISHED_NOTE, QuestionFigure, suppressionMessage, wrapText, type ChartSeries } from './charts.js';
import { ProvinceMap, ProvinceResponseTable, ResponseByProvince, projectAreas, rateClass, type MapArea } from './map.js';
import type { ComparedQuestion, QuestionResult, QuestionSummary } from './results-types.js';

const summary = (over: Partial<QuestionSummary> = {}): QuestionSummary => ({
  code: 'AWARE',
  text: 'Organiseert uw gemeente eigen bewustwordingsactiviteiten?',
  type: 'single',
  sectionCode: 'S1',
  sectionTitle: 'Signaleren',
  pillar: 'actielijn_1',
  notComparable: false,
  multiple: false,
  ...over,
});

const choice = (n: number, counts: Record<string, number>, q = summary()): QuestionResult => ({
  question: q,
  n,
  options: Object.entries(counts).map(([code, count]) => ({
    code,
    label: { ALL: 'Ja, voor alle ouderen', SPEC: 'Ja, voor specifieke groepen', NO: 'Nee', dont_know: 'Weet ik niet' }[code] ?? code,
    count,
    percent: n ? Math.round((count / n) * 1000) / 10 : null,
  })),
});

const html = (vnode: VNode<any>) => render(vnode);
const texts = (s: string) => [...s.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)].map((m) => m[1].replace(/<[^>]+>/g, '|'));

describe('formatting', () => {
  it('writes Dutch percentages and wraps labels', () => {
    expect(formatPercent(45.5)).toBe('45,5%');
    expect(formatPercent(100)).toBe('100,0%');
    expect(formatPercent(null)).toBe('–');
    expect(wrapText('Ja, voor specifieke groepen ouderen in de wijk', 20)).toEqual(['Ja, voor specifieke', 'groepen ouderen in', 'de wijk']);
    expect(wrapText('a b c d e f g h', 1, 2)).toEqual(['a', 'b …']);
  });
});

describe('choice chart', () => {
  const current = choice(8, { ALL: 4, SPEC: 2, NO: 1, dont_know: 1 });
  const previous = choice(5, { ALL: 1, SPEC: 1, NO: 3, dont_know: 0 });
  const cq: ComparedQuestion = { current, previous, panel: { current: choice(3, { ALL: 2, SPEC: 1, NO: 0, dont_know: 0 }), previous: choice(3, { ALL: 1, SPEC: 0, NO: 2, dont_know: 0 }) } };

  it('builds series for the edition, the compared edition and the panel (marked with *)', () => {
    expect(comparedSeries(cq, { year: 2020 }).map((s) => s.label)).toEqual(['2020']);
    expect(comparedSeries(cq, { year: 2020, compareYear: 2019 }).map((s) => s.label)).toEqual(['2020', '2019']);
    expect(comparedSeries(cq, { year: 2020, compareYear: 2019, panel: true }).map((s) => s.label)).toEqual(['2020', '2019', '2020*', '2019*']);
    expect(comparedSeries({ current, previous: null }, { year: 2020, compareYear: 2019, panel: true }).map((s) => s.label)).toEqual(['2020']);
    // Not comparable: no panel figures either.
    expect(comparedSeries({ ...cq, previous: null, panel: { current: cq.panel!.current, previous: null } }, { year: 2020, compareYear: 2019, panel: true }).map((s) => s.label)).toEqual(['2020']);
  });

  it('has role img, title and desc, the percentages as text next to the bars, and a legend', () => {
    const series = comparedSeries(cq, { year: 2020, compareYear: 2019, panel: true });
    const svg = html(h(ChoiceChart, { id: 'q-AWARE', title: current.question.text, series }));
    expect(svg).toMatch(/^<svg class="bm-chart"/);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="q-AWARE-title q-AWARE-desc"');
    expect(svg).toContain('<title id="q-AWARE-title">Organiseert uw gemeente eigen bewustwordingsactiviteiten?</title>');
    expect(svg).toMatch(/<desc id="q-AWARE-desc">Staafdiagram: [^<]*2020 \(n = 8\), 2019 \(n = 5\), 2020\* \(n = 3\), 2019\* \(n = 3\)/);
    const t = texts(svg);
    // Every bar has its series and percentage (and count) written next to it.
    expect(t).toContain('2020: 50,0% (4)');
    expect(t).toContain('2019: 60,0% (3)');
    expect(t).toContain('2020*: 66,7% (2)');
    expect(t).toContain('2019*: 0,0% (0)');
    // Legend: a text label per series; editions have a different fill and pattern.
    for (const l of ['2020', '2019', '2020*', '2019*']) expect(t).toContain(l);
    expect(svg).toContain('<pattern id="q-AWARE-pat-bm-s1"');
    expect(svg).toContain('fill="url(#q-AWARE-pat-bm-s1)"');
    expect(svg).not.toContain('style=');
    // Deterministic.
    expect(html(h(ChoiceChart, { id: 'q-AWARE', title: current.question.text, series }))).toBe(svg);
  });

  it('marks the own answer in words', () => {
    const svg = html(h(ChoiceChart, { id: 'x', title: 't', series: [{ label: 'Alle gemeenten', result: current }], own: ['SPEC'] }));
    expect(texts(svg).join(' ')).toContain('◀ Uw antwoord');
    expect(svg).toContain('Het antwoord van uw gemeente is gemarkeerd');
  });

  it('always comes with a table with count, % and n; a multiple-choice note', () => {
    const q = summary({ code: 'SUPPORT', type: 'multiple', multiple: true, text: 'Hoe krijgen mensen ondersteuning?' });
    const r = choice(4, { ALL: 3, SPEC: 3 }, q);
    const out = html(h(QuestionFigure, { id: 'q-SUPPORT', question: q, series: [{ label: '2020', result: r }] }));
    expect(out).toContain('<figure class="bm-figure">');
    expect(out).toContain('<svg');
    expect(out).toContain('<table');
    expect(out).toContain('<caption class="utrecht-table__caption">Cijfers: Hoe krijgen mensen ondersteuning?</caption>');
    const cells = [...out.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(cells).toEqual(['Antwoord', '2020: aantal', '2020: %', 'Ja, voor alle ouderen', '3', '75,0%', 'Ja, voor specifieke groepen', '3', '75,0%', 'Beantwoord door (n)', '4', '']);
    expect(out).toContain('de percentages kunnen samen meer dan 100% zijn');
  });
});

describe('matrix chart', () => {
  const q = summary({ code: 'ROLES', type: 'matrix', text: 'Welke rol heeft elke partij?' });
  const opt = (n: number, kar: number, act: number) => [
    { code: 'KAR', label: 'Kartrekker', count: kar, percent: Math.round((kar / n) * 1000) / 10 },
    { code: 'ACT', label: 'Actieve bijdrage', count: act, percent: Math.round((act / n) * 1000) / 10 },
  ];
  const result: QuestionResult = {
    question: q,
    n: 4,
    options: [],
    rows: [
      { code: 'GEM', label: 'Gemeente', n: 4, options: opt(4, 3, 1) },
      { code: 'WELZ', label: 'Welzijnsorganisaties', n: 2, options: opt(2, 0, 2) },
    ],
  };
  const series: ChartSeries[] = [{ label: '2020', result }];

  it('stacks the options per row with a legend, writes percentages, and has a table per row', () => {
    const svg = html(h(MatrixChart, { id: 'q-ROLES', title: q.text, series, own: { GEM: 'KAR' } }));
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title id="q-ROLES-title">Welke rol heeft elke partij?</title>');
    expect(svg).toContain('Gestapeld staafdiagram');
    const t = texts(svg);
    expect(t).toContain('Kartrekker');
    expect(t).toContain('Actieve bijdrage');
    expect(t).toContain('75%');
    expect(t).toContain('100%');
    expect(t.join(' ')).toContain('◀ Uw antwoord: Kartrekker');
    expect(svg).toContain('<title>2020 · Gemeente · Kartrekker: 75,0% (3 van 4)</title>');
    const out = html(h(QuestionFigure, { id: 'q-ROLES', question: q, series, own: { GEM: 'KAR' } }));
    const cells = [...out.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(cells).toEqual(['Rij', 'Kartrekker', 'Actieve bijdrage', 'n', 'Uw antwoord', 'Gemeente', '3 (75,0%)', '1 (25,0%)', '4', 'Kartrekker', 'Welzijnsorganisaties', '0 (0,0%)', '2 (100,0%)', '2', '—']);
  });
});

describe('suppressed matrix rows', () => {
  it('says a row is withheld instead of drawing it', () => {
    const q = summary({ code: 'ROLES', type: 'matrix', text: 'Rol' });
    const result: QuestionResult = {
      question: q,
      n: 6,
      options: [],
      rows: [
        { code: 'GEM', label: 'Gemeente', n: 6, options: [{ code: 'KAR', label: 'Kartrekker', count: 6, percent: 100 }] },
        { code: 'BANK', label: 'Bank', n: 0, suppressed: true, options: [{ code: 'KAR', label: 'Kartrekker', count: 0, percent: null }] },
      ],
    };
    const out = html(h(QuestionFigure, { id: 'm', question: q, series: [{ label: 'Alle gemeenten', result }] }));
    expect(texts(out)).toContain('minder dan 5 antwoorden: niet getoond');
    const c = [...out.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(c.slice(-3)).toEqual(['Bank', '–', '&lt;5']);
  });
});

describe('number and text questions', () => {
  it('shows number stats as a table and text questions as a count only', () => {
    const nq = summary({ code: 'HOURS', type: 'number', text: 'Uren' });
    const num: QuestionResult = { question: nq, n: 3, options: [], numeric: { n: 3, mean: 12.345, median: 10, min: 2, max: 25 } };
    const out = html(h(QuestionFigure, { id: 'q-HOURS', question: nq, series: [{ label: '2020', result: num }] }));
    const cells = [...out.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(cells.slice(-6)).toEqual(['2020', '3', '12,3', '10', '2', '25']);
    const tq = summary({ code: 'NOTE', type: 'text', text: 'Opmerkingen' });
    const text = html(h(QuestionFigure, { id: 'q-NOTE', question: tq, series: [{ label: '2020', result: { question: tq, n: 2, options: [] } }] }));
    expect(text).toContain('2 antwoorden');
    expect(text).toContain('(alleen in de ruwe export)');
    expect(text).not.toContain('<svg');
  });

  it('leaves out the lowest and highest number when no series has them, and marks withheld summaries', () => {
    const nq = summary({ code: 'HOURS', type: 'number', text: 'Uren' });
    const all: QuestionResult = { question: nq, n: 11, options: [], numeric: { n: 7, mean: 20.29, median: 8, min: null, max: null } };
    const small: QuestionResult = { question: nq, n: 5, options: [], numeric: { n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_group' } };
    const diff: QuestionResult = { question: nq, n: 6, options: [], numeric: { n: 0, mean: null, median: null, min: null, max: null, suppressed: true, suppressedReason: 'small_difference' } };
    const out = html(h(QuestionFigure, { id: 'q-HOURS', question: nq, series: [{ label: 'Alle', result: all }, { label: '2020', result: small }, { label: 'Provincie', result: diff }] }));
    const cells = [...out.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(cells).toEqual(['Reeks', 'n', 'Gemiddelde', 'Mediaan', 'Alle', '7', '20,3', '8', '2020', '&lt;5', '–', '–', 'Provincie', 'niet getoond', '–', '–']);
    expect(out).toContain('Gemiddelde en mediaan worden niet getoond bij minder dan 5 ingevulde getallen');
  });

  it('says why figures are withheld', () => {
    expect(suppressionMessage({ suppressed: true, suppressedReason: 'not_published' }, 'Te weinig')).toBe(NOT_PUBLISHED_NOTE);
    expect(suppressionMessage({ suppressed: true, suppressedReason: 'small_group' }, 'Te weinig')).toBe('Te weinig');
    expect(suppressionMessage({ suppressed: true }, 'Te weinig')).toBe('Te weinig');
    expect(suppressionMessage({ suppressed: true, suppressedReason: 'small_difference' }, 'Te weinig', 'de provincie')).toBe(
      'Niet getoond: de provincie verschilt met minder dan 5 gemeenten van alle respondenten, zodat de antwoorden van die gemeenten anders af te leiden zouden zijn.',
    );
  });

  it('leaves out suppressed series', () => {
    const r = choice(8, { ALL: 4, SPEC: 4 });
    const out = html(h(QuestionFigure, { id: 'x', question: r.question, series: [{ label: 'Alle', result: r }, { label: 'Provincie', result: { ...r, n: 2, options: [], suppressed: true } }] }));
    expect(out).not.toContain('Provincie');
    expect(html(h(QuestionFigure, { id: 'x', question: r.question, series: [{ label: 'Provincie', result: { ...r, suppressed: true } }] }))).toBe('');
  });
});

describe('province map', () => {
  const areas: MapArea[] = [
    { code: 'PV26', name: 'Utrecht', geometry: { type: 'Polygon', coordinates: [[[4.8, 51.95], [5.6, 51.95], [5.6, 52.3], [4.8, 52.3], [4.8, 51.95]]] } },
    {
      code: 'PV24',
      name: 'Flevoland',
      geometry: { type: 'MultiPolygon', coordinates: [[[[5.2, 52.3], [5.9, 52.3], [5.9, 52.7], [5.2, 52.7], [5.2, 52.3]]], [[[5.5, 52.75], [5.8, 52.75], [5.8, 52.85], [5.5, 52.85], [5.5, 52.75]]]] },
    },
  ];
  const responses = [
    { provinceCode: 'PV24', provinceName: 'Flevoland', invited: 4, started: 3, submitted: 1, ratePercent: 25 },
    { provinceCode: 'PV26', provinceName: 'Utrecht', invited: 10, started: 9, submitted: 9, ratePercent: 90 },
  ];

  it('projects with cos(52°) x-scaling into the viewBox', () => {
    const p = projectAreas(areas, 420);
    expect(p.width).toBe(420);
    // Width 1.1° × cos 52° ≈ 0.677; height 0.9°: the map is taller than wide.
    expect(p.height).toBeGreaterThan(520);
    expect(p.height).toBeLessThan(560);
    expect(p.areas[0].d.startsWith('M8,')).toBe(true);
    expect(p.areas[1].d.split('M')).toHaveLength(3); // two polygons
  });

  it('labels each province with its rate, has titles, a legend and role img', () => {
    const svg = html(h(ProvinceMap, { id: 'kaart', title: 'Respons per provincie 2020', areas, responses }));
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title id="kaart-title">Respons per provincie 2020</title>');
    expect(svg).toContain('<title>Utrecht: 90,0% respons (9 van 10 ingevuld)</title>');
    expect(svg).toContain('<title>Flevoland: 25,0% respons (1 van 4 ingevuld)</title>');
    const t = texts(svg).join(' ');
    expect(t).toContain('Utrecht||90%');
    expect(t).toContain('Flevoland||25%');
    expect(t).toContain('80 tot en met 100%');
    expect(t).toContain('Niemand uitgenodigd');
    expect(svg).toContain('bm-map__area--c4');
    expect(svg).toContain('bm-map__area--c1');
    expect(svg).not.toContain('style=');
    expect(rateClass(0)).toBe(0);
    expect(rateClass(100)).toBe(4);
    expect(rateClass(null)).toBeNull();
  });

  it('shows the table beside the map, and only the table without boundaries', () => {
    const table = html(h(ProvinceResponseTable, { caption: 'Respons', responses }));
    const cells = [...table.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((m) => m[1]);
    expect(cells).toEqual(['Provincie', 'Uitgenodigd', 'Begonnen', 'Ingevuld', 'Respons', 'Flevoland', '4', '3', '1', '25,0%', 'Utrecht', '10', '9', '9', '90,0%', 'Totaal', '14', '12', '10', '71,4%']);
    const withMap = html(h(ResponseByProvince, { id: 'k', title: 'Respons', areas, responses }));
    expect(withMap).toContain('<svg');
    expect(withMap).toContain('<table');
    const without = html(h(ResponseByProvince, { id: 'k', title: 'Respons', areas: [], responses }));
    expect(without).not.toContain('<svg');
    expect(without).toContain('<table');
    expect(without).toContain('De kaart verschijnt zodra de provinciegrenzen zijn geïmporteerd');
  });
});
