/** Dates in the Netherlands: the calendar day in Europe/Amsterdam, working days and public holidays. */

const TZ = 'Europe/Amsterdam';

// One formatter for the process: toLocaleDateString(…, {timeZone}) builds a new one on every
// call (~0.2 ms), and the signal intake calls this several times per signal.
const DAY_FORMAT = new Intl.DateTimeFormat('sv-SE', { timeZone: TZ });

/** The calendar day (YYYY-MM-DD) in Amsterdam at `now`. */
export function amsterdamDate(now = new Date()): string {
  return DAY_FORMAT.format(now);
}

/** Easter Sunday (Gregorian, anonymous algorithm) as YYYY-MM-DD. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function shiftDay(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * The Dutch public holidays on which welfare organisations are generally closed:
 * New Year's Day, Good Friday is not included (not a general day off), Easter Monday,
 * King's Day (27 April, 26 April when the 27th is a Sunday), Liberation Day (5 May),
 * Ascension Day, Whit Monday, Christmas Day and Boxing Day.
 */
export function dutchHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (!set) holidayCache.set(year, (set = computeHolidays(year)));
  return set;
}
const holidayCache = new Map<number, Set<string>>();

function computeHolidays(year: number): Set<string> {
  const easter = easterSunday(year);
  const kingsDay = new Date(`${year}-04-27T12:00:00Z`).getUTCDay() === 0 ? `${year}-04-26` : `${year}-04-27`;
  return new Set([
    `${year}-01-01`,
    shiftDay(easter, 1),
    kingsDay,
    `${year}-05-05`,
    shiftDay(easter, 39),
    shiftDay(easter, 50),
    `${year}-12-25`,
    `${year}-12-26`,
  ]);
}

export function isWorkingDay(day: string): boolean {
  const dow = new Date(`${day}T12:00:00Z`).getUTCDay();
  if (dow === 0 || dow === 6) return false;
  return !dutchHolidays(Number(day.slice(0, 4))).has(day);
}

/** The end (23:59:59.999 Amsterdam time) of a calendar day, as an instant. */
export function endOfAmsterdamDay(day: string): Date {
  // Amsterdam is UTC+1 or UTC+2; try both offsets and keep the one that lands on `day`.
  for (const offset of ['+02:00', '+01:00']) {
    const d = new Date(`${day}T23:59:59.999${offset}`);
    if (amsterdamDate(d) === day && amsterdamDate(new Date(d.getTime() + 1)) !== day) return d;
  }
  return new Date(`${day}T23:59:59.999+01:00`);
}

/**
 * The deadline `n` working days after `from`: the end of the n-th working day after the day
 * of `from` (Amsterdam). A signal of Friday afternoon with n = 2 is due at the end of Tuesday.
 */
export function addWorkingDays(from: Date, n: number): Date {
  if (n < 1) return endOfAmsterdamDay(amsterdamDate(from));
  return new Date(workingDayDeadlines(amsterdamDate(from), n)[n - 1]!);
}

const deadlineCache = new Map<string, string[]>();

/**
 * The deadlines (ISO instants) 1, 2, … `upTo` working days after `day`, memoised per day:
 * the signal intake asks for them on every signal.
 */
export function workingDayDeadlines(day: string, upTo: number): string[] {
  const hit = deadlineCache.get(day);
  if (hit && hit.length >= upTo) return hit;
  const out: string[] = [];
  let d = day;
  while (out.length < Math.max(upTo, 30)) {
    d = shiftDay(d, 1);
    if (isWorkingDay(d)) out.push(endOfAmsterdamDay(d).toISOString());
  }
  if (deadlineCache.size > 64) deadlineCache.clear();
  deadlineCache.set(day, out);
  return out;
}
