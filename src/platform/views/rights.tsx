import type { FastifyReply } from 'fastify';
import { Button, CheckboxGroup, CsrfField, Link, type FieldErrors } from './components.js';

/**
 * Parts shared by the two rights-request screens (signals: src/modules/signals/rights.tsx; the
 * network and the board: src/modules/network/rights.tsx). Every step repeats the search from
 * hidden fields and carries the ticked findings, so nothing outside the search can be acted on.
 */

/** Hidden inputs: one per [name, value] pair (a name may repeat, e.g. one per ticked finding). */
export function HiddenFields({ fields }: { fields: [string, string][] }) {
  return (
    <>
      {fields.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

/** The last step of an erasure: the search and the selection again, and a ticked confirmation. */
export function EraseConfirmForm(props: { action: string; csrf: string; hidden: [string, string][]; label: string; confirmation: string; errors: FieldErrors; cancel: string }) {
  return (
    <form method="post" action={props.action} novalidate>
      <CsrfField token={props.csrf} />
      <HiddenFields fields={[...props.hidden, ['stap', 'bevestigen']]} />
      <CheckboxGroup name="bevestiging" label={props.label} form={{ values: {}, errors: props.errors }} required options={[{ value: 'ja', label: props.confirmation }]} />
      <div class="form-actions">
        <Button>Definitief verwijderen</Button> <Link href={props.cancel}>Annuleren</Link>
      </div>
    </form>
  );
}

/** A rights-request export as a JSON download (never cached): `<prefix>-<date>.json`. */
export function sendRightsJson(reply: FastifyReply, prefix: string, now: Date, data: unknown) {
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${prefix}-${now.toISOString().slice(0, 10)}.json"`)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(data, null, 2));
}

/** Whether the erase form came back with its confirmation ticked; the error when it came back without. */
export function eraseConfirmation(values: Record<string, unknown>, missing: string): { confirmed: boolean; errors: FieldErrors } {
  if (values.stap === 'bevestigen' && values.bevestiging === 'ja') return { confirmed: true, errors: {} };
  return { confirmed: false, errors: values.stap === 'bevestigen' ? { bevestiging: missing } : {} };
}
