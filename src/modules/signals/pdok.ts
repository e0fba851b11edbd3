/**
 * Address look-up in the PDOK Locatieserver (v3_1 "free" endpoint, open data from the BAG):
 * postcode + house number → street, town, municipality code and neighbourhood code.
 *
 * Used by the public signal forms to fill in street and town, and as a routing fallback for a
 * postcode that the postcode table does not know. The look-up is a convenience, never a
 * requirement: a short timeout, no retries, and every failure (network, timeout, HTTP error,
 * odd answer) is "no answer" (null) — the form then simply lets people type the address.
 */

/** What the Locatieserver knows about one address. */
export interface AddressLookup {
  street: string | null;
  city: string | null;
  /** CBS municipality code as PDOK gives it: four digits, e.g. "0394" (routing.ts accepts it). */
  municipalityCode: string | null;
  /** CBS neighbourhood code, e.g. "BU03941663"; absent from some answers. */
  neighbourhoodCode: string | null;
}

export interface LookupOptions {
  /** The "free" endpoint; null = switched off (always null). */
  baseUrl: string | null;
  timeoutMs?: number;
  /** Told why a look-up gave no answer (for a warning in the log; never gets personal data). */
  onFailure?: (reason: string) => void;
}

export const PDOK_TIMEOUT_MS = 1500;
/** Answers larger than this are not read (a normal answer is a few kB). */
const MAX_ANSWER_BYTES = 512 * 1024;
const FIELDS = ['straatnaam', 'woonplaatsnaam', 'gemeentecode', 'buurtcode', 'postcode', 'huisnummer', 'huisletter', 'huisnummertoevoeging', 'huis_nlt'];

/** The request URL for one address (postcode normalised "1234AB", house number 1–99999). */
export function lookupUrl(baseUrl: string, postcode: string, houseNumber: number): string {
  const u = new URL(baseUrl);
  u.searchParams.set('q', `postcode:${postcode} and huisnummer:${houseNumber}`);
  u.searchParams.set('fq', 'type:adres');
  u.searchParams.set('fl', FIELDS.join(' '));
  u.searchParams.set('rows', '20');
  return u.toString();
}

type Doc = Record<string, unknown>;
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const compact = (s: string) => s.replace(/[\s-]/g, '').toUpperCase();

/**
 * Picks the address from a Locatieserver answer. Only documents with the asked postcode and
 * house number count (when the answer carries them); among those, the one whose addition
 * (huisletter/toevoeging, or the full "huis_nlt" such as "23A" or "23L-1") matches, else the
 * one without an addition, else the first. Null when nothing matches or the answer is odd.
 */
export function parseLookupAnswer(body: unknown, postcode: string, houseNumber: number, addition?: string | null): AddressLookup | null {
  const docs = (body as { response?: { docs?: unknown } } | null)?.response?.docs;
  if (!Array.isArray(docs)) return null;
  const candidates = docs.filter((d): d is Doc => {
    if (!d || typeof d !== 'object') return false;
    const doc = d as Doc;
    if (doc.type != null && doc.type !== 'adres') return false;
    if (doc.postcode != null && compact(String(doc.postcode)) !== postcode) return false;
    if (doc.huisnummer != null && Number(doc.huisnummer) !== houseNumber) return false;
    return true;
  });
  if (!candidates.length) return null;
  const suffixOf = (d: Doc): string => {
    const nlt = text(d.huis_nlt);
    if (nlt && compact(nlt).startsWith(String(houseNumber))) return compact(nlt).slice(String(houseNumber).length);
    return compact(`${text(d.huisletter) ?? ''}${text(d.huisnummertoevoeging) ?? ''}`);
  };
  const wanted = addition ? compact(addition) : '';
  const doc = candidates.find((d) => suffixOf(d) === wanted) ?? candidates.find((d) => suffixOf(d) === '') ?? candidates[0]!;
  const result: AddressLookup = {
    street: text(doc.straatnaam),
    city: text(doc.woonplaatsnaam),
    municipalityCode: text(doc.gemeentecode),
    neighbourhoodCode: text(doc.buurtcode),
  };
  if (result.municipalityCode && !/^(GM)?\d{4}$/.test(result.municipalityCode)) result.municipalityCode = null;
  if (result.neighbourhoodCode && !/^BU\d{8}$/.test(result.neighbourhoodCode)) result.neighbourhoodCode = null;
  return result.street || result.city || result.municipalityCode ? result : null;
}

/**
 * Looks an address up. Never throws: no answer within the timeout, an HTTP error, a network
 * error or an answer without the address all give null. No retries (people are waiting).
 */
export async function lookupAddress(postcode: string, houseNumber: number, addition: string | null | undefined, opts: LookupOptions): Promise<AddressLookup | null> {
  if (!opts.baseUrl) return null;
  const fail = (reason: string) => {
    opts.onFailure?.(reason);
    return null;
  };
  try {
    const res = await fetch(lookupUrl(opts.baseUrl, postcode, houseNumber), {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(opts.timeoutMs ?? PDOK_TIMEOUT_MS),
      redirect: 'error',
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return fail(`http ${res.status}`);
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_ANSWER_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      return fail('answer too large');
    }
    const raw = await res.text();
    if (raw.length > MAX_ANSWER_BYTES) return fail('answer too large');
    const found = parseLookupAnswer(JSON.parse(raw), postcode, houseNumber, addition);
    return found ?? fail('address not found');
  } catch (err) {
    const e = err as Error;
    return fail(e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : e.name === 'SyntaxError' ? 'answer not JSON' : `network: ${(e.cause as { code?: string } | undefined)?.code ?? e.name}`);
  }
}
