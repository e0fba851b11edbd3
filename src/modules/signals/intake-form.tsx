import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/crypto.js';
import { Page, type PageContext } from '../../platform/views/layout.js';
import {
  Alert,
  Button,
  Checkbox,
  CheckboxGroup,
  CsrfField,
  ErrorSummary,
  Heading,
  Link,
  P,
  RadioGroup,
  TextArea,
  TextField,
  fieldId,
  type FieldErrors,
  type FormState,
} from '../../platform/views/components.js';
import { formValues, parseForm } from '../../platform/http/forms.js';
import { isDatabaseUnavailable, NotFoundError } from '../../platform/http/errors.js';
import { AGE_GROUPS, AGE_GROUP_LABELS, PERSON_KNOWS, PERSON_KNOWS_LABELS, SIGNALLER_TYPES, SIGNALLER_TYPE_LABELS, SIGNS, SIGN_LABELS } from './model.js';
import { postcodeAreas, signals } from './schema.js';
import { IdempotencyConflictError, receiveSignal, type IntakeResult, type SignalInput } from './intake.js';
import { addressLookupSchema, parseSelfForm, parseWorryForm, STORY_MAX, WISH_MAX } from './intake-schema.js';
import { lookupAddress, type AddressLookup } from './pdok.js';
import { carryStamp, checkStamp, FORM_BODY_LIMIT, HONEYPOT_FIELD, honeypotHit, issueStamp, logRefusal, RateCounter, STAMP_FIELD, type StampedForm } from './abuse.js';

/**
 * The public entrances of the signal point (no account; phone-friendly; no JavaScript needed):
 * - /signaal-doorgeven: pass on a worry about someone (kind 'worry');
 * - /contact-gezocht: a person who feels lonely asks for contact for themself (kind 'self');
 * - /signaal-doorgeven/ontvangen/:reference: the confirmation with the reference number;
 * - /signaal-doorgeven/privacy: the privacy statement of the signal point.
 * Both forms store through receiveSignal() (one transaction) with the form's one-time submit
 * token as idempotency key, and resist abuse without a CAPTCHA (see abuse.ts).
 *
 * Idempotency: the key is the stamp's token, the request hash a keyed HMAC (FieldCipher
 * blindIndex, not a plain hash that could be brute-forced back to an address) of the validated
 * input. The same rendered form sent again with the same content (double click, browser retry)
 * gives the first signal; sent again with other content (a typo corrected after a "not sent"
 * message, or after going back) it is a new signal, stored under a key derived from the token and
 * the hash, so a double click on the corrected form still gives one signal.
 *
 * Failures that would lose everything typed: the two form POSTs accept the form's genuine signed
 * stamp as anti-forgery proof when the CSRF cookie is missing (cookies blocked, e.g. in an in-app
 * browser) — the forms carry no session rights, and nothing is stored without a valid stamp; a
 * body over the size limit gets the form page back with a clear message instead of an error page.
 */

export const WORRY_PATH = '/signaal-doorgeven';
export const SELF_PATH = '/contact-gezocht';
export const PRIVACY_PATH = '/signaal-doorgeven/privacy';
export const CONFIRMATION_PATH = '/signaal-doorgeven/ontvangen';

const REFERENCE_RE = /^SGN-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

type Notice = { kind: 'info' | 'success' | 'warning' | 'error'; text: string };

const WORRY_LABELS: Record<string, string> = {
  signallerType: 'Wie geeft het door',
  signallerName: 'Uw naam',
  signallerOrganisation: 'Organisatie of winkel',
  signallerEmail: 'Uw e-mailadres',
  signallerPhone: 'Uw telefoonnummer',
  personName: 'Naam van de persoon',
  postcode: 'Postcode',
  houseNumber: 'Huisnummer',
  houseNumberAddition: 'Toevoeging',
  street: 'Straat',
  city: 'Woonplaats',
  ageGroup: 'Leeftijd',
  story: 'Wat maakt u zich zorgen',
  signs: 'Wat valt u op',
  personKnows: 'Weet de persoon het',
};

const SELF_LABELS: Record<string, string> = {
  name: 'Uw naam',
  phone: 'Telefoonnummer',
  email: 'E-mailadres',
  postcode: 'Postcode',
  houseNumber: 'Huisnummer',
  houseNumberAddition: 'Toevoeging',
  street: 'Straat',
  city: 'Woonplaats',
  wish: 'Wat zou u graag willen',
  ageGroup: 'Leeftijd',
};

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

function UrgentNotice() {
  return (
    <section class="signal-urgent" aria-labelledby="acuut-titel">
      <h2 class="utrecht-heading-2" id="acuut-titel">
        Acuut gevaar? Bel 112
      </h2>
      <p class="utrecht-paragraph">
        Is iemand in direct gevaar, of is er dringend hulp nodig? Bel dan meteen <a class="utrecht-link" href="tel:112">112</a>. Dit formulier is niet
        voor spoed: het signaal wordt op werkdagen bekeken.
      </p>
      <p class="utrecht-paragraph">
        Maakt u zich zorgen over iemands veiligheid, maar is het geen spoed? Bel de politie op <a class="utrecht-link" href="tel:09008844">0900-8844</a>.
      </p>
    </section>
  );
}

/** A text field hidden from people (CSS, aria-hidden, no tab stop); bots fill it in. */
function Honeypot() {
  const id = fieldId(HONEYPOT_FIELD);
  return (
    <div class="signal-hp" aria-hidden="true">
      <label for={id}>Laat dit veld leeg (alleen voor controle)</label>
      <input type="text" id={id} name={HONEYPOT_FIELD} value="" tabIndex={-1} autocomplete="off" />
    </div>
  );
}

function FormNotice({ notice }: { notice?: Notice }) {
  return notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null;
}

function AddressFields({ form, action, self }: { form: FormState; action: string; self: boolean }) {
  const whose = self ? 'uw' : 'het';
  return (
    <>
      <TextField
        name="postcode"
        label="Postcode"
        form={form}
        required
        width="s"
        autocomplete={self ? 'postal-code' : 'off'}
        hint={`Bijvoorbeeld 3511 AB. Waarom we dit vragen: met de postcode vinden we het signaalpunt in de gemeente en wijk van ${whose} adres.`}
      />
      <TextField
        name="houseNumber"
        label="Huisnummer"
        form={form}
        required
        width="xs"
        inputmode="numeric"
        autocomplete="off"
        hint="Alleen cijfers. Waarom we dit vragen: zodat de sociaal werker het juiste adres heeft."
      />
      <TextField name="houseNumberAddition" label="Toevoeging" form={form} width="xs" autocomplete="off" hint="Bijvoorbeeld A, bis of 2. Alleen als het adres er een heeft." />
      <div class="signal-lookup">
        <Button variant="secondary" name="actie" value="adres" formaction={`${action}#adres`} aria-describedby="adres-opzoeken-uitleg">
          Adres opzoeken
        </Button>
        <p class="utrecht-paragraph signal-lookup__hint" id="adres-opzoeken-uitleg">
          Vult straat en woonplaats voor u in (via de landelijke adressenlijst). Lukt dat niet, dan kunt u ze zelf invullen of leeg laten.
        </p>
      </div>
      <div id="adres" tabIndex={-1}>
        <TextField name="street" label="Straat" form={form} autocomplete="off" hint="Helpt de sociaal werker het adres te vinden." />
        <TextField name="city" label="Woonplaats" form={form} autocomplete={self ? 'address-level2' : 'off'} width="m" />
      </div>
    </>
  );
}

function PrivacySummary({ self }: { self: boolean }) {
  return (
    <section class="signal-privacy-summary" aria-labelledby="privacy-kort">
      <h2 class="utrecht-heading-2" id="privacy-kort">
        Wat gebeurt er met {self ? 'uw gegevens' : 'deze gegevens'}?
      </h2>
      <ul class="utrecht-unordered-list">
        <li class="utrecht-unordered-list__item">Alleen de medewerkers van het signaalpunt in {self ? 'uw' : 'de'} gemeente kunnen ze lezen.</li>
        <li class="utrecht-unordered-list__item">Ze worden versleuteld opgeslagen.</li>
        <li class="utrecht-unordered-list__item">Een half jaar nadat het contact is afgerond, worden de persoonsgegevens verwijderd.</li>
        {!self && (
          <li class="utrecht-unordered-list__item">
            U hoort nooit details over de persoon. De persoon weet meestal niet dat u dit doorgeeft; de sociaal werker kan het wel vertellen.
          </li>
        )}
      </ul>
      <p class="utrecht-paragraph">
        <Link href={PRIVACY_PATH}>Lees de hele privacyverklaring van het signaalpunt</Link>.
      </p>
    </section>
  );
}

/** A part of a form: a fieldset whose legend is an h2. */
function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <fieldset class="utrecht-form-fieldset signal-section" id={id}>
      <legend class="utrecht-form-fieldset__legend">
        <h2 class="utrecht-heading-2">{title}</h2>
      </legend>
      {children}
    </fieldset>
  );
}

function WorryFormPage({ ctx, form, stamp, notice }: { ctx: PageContext; form: FormState; stamp: string; notice?: Notice }) {
  const title = 'Zorgen over iemand? Geef het door';
  return (
    <Page ctx={ctx} title={`${Object.keys(form.errors ?? {}).length ? 'Fout: ' : ''}${title}`} crumbs={[{ href: '/', label: 'Home' }, { label: 'Signaal doorgeven' }]}>
      <Heading>{title}</Heading>
      <UrgentNotice />
      <P>
        Denkt u dat iemand in uw buurt, uw winkel of uw werk eenzaam is? Geef het hier door. Een sociaal werker van het signaalpunt in de
        gemeente van die persoon neemt dan contact op, meestal binnen twee werkdagen. Het invullen duurt ongeveer vijf minuten. U heeft geen
        account nodig.
      </P>
      <P>
        Voelt u zich zelf eenzaam? <Link href={SELF_PATH}>Vraag dan contact aan voor uzelf</Link>.
      </P>
      <FormNotice notice={notice} />
      <ErrorSummary errors={form.errors} labels={WORRY_LABELS} />
      <form method="post" action={WORRY_PATH} novalidate class="form signal-form">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name={STAMP_FIELD} value={stamp} />
        <Honeypot />

        <Section id="wie" title="1. Wie geeft het door?">
          <RadioGroup
            name="signallerType"
            label="Ik ben"
            form={form}
            required
            hint="Waarom we dit vragen: zo weet de sociaal werker hoe u de persoon kent, en het helpt bij de cijfers over signalen."
            options={SIGNALLER_TYPES.map((t) => ({ value: t, label: SIGNALLER_TYPE_LABELS[t] }))}
          />
          <P class="signal-note">
            Uw naam en contactgegevens zijn niet verplicht. We vragen ze <strong>alleen</strong> om u terug te kunnen bellen als de sociaal
            werker een vraag heeft, of om u te laten weten dat het signaal is opgepakt.
          </P>
          <TextField name="signallerName" label="Uw naam" form={form} autocomplete="name" hint="Waarom we dit vragen: om u terug te kunnen bellen." />
          <TextField
            name="signallerOrganisation"
            label="Organisatie of winkel"
            form={form}
            autocomplete="organization"
            hint="Bijvoorbeeld de naam van de apotheek, winkel of vereniging. Waarom we dit vragen: zo kan de sociaal werker u terugvinden."
          />
          <TextField name="signallerEmail" label="Uw e-mailadres" type="email" form={form} autocomplete="email" hint="Waarom we dit vragen: alleen voor het bericht dat het signaal is opgepakt, of voor een vraag." />
          <TextField name="signallerPhone" label="Uw telefoonnummer" type="tel" form={form} autocomplete="tel" width="m" hint="Waarom we dit vragen: om u terug te bellen als er een vraag is." />
          <Checkbox
            name="feedback"
            label="Ik wil een kort bericht als het signaal is opgepakt"
            form={form}
            hint="Vul dan ook uw e-mailadres in. U krijgt één e-mail zodra een sociaal werker met het signaal aan de slag is. Over de persoon zelf vertellen we niets."
          />
        </Section>

        <Section id="over-wie" title="2. Over wie gaat het?">
          <TextField name="personName" label="Naam van de persoon" form={form} autocomplete="off" hint="Als u die weet. Waarom we dit vragen: zodat de sociaal werker weet bij wie hij moet aanbellen." />
          <AddressFields form={form} action={WORRY_PATH} self={false} />
          <RadioGroup
            name="ageGroup"
            label="Hoe oud is de persoon ongeveer?"
            form={form}
            hint="Een schatting is goed. Waarom we dit vragen: in sommige gemeenten helpt een ander team ouderen of jongeren."
            options={AGE_GROUPS.map((a) => ({ value: a, label: AGE_GROUP_LABELS[a] }))}
          />
        </Section>

        <Section id="zorgen" title="3. Wat maakt u zich zorgen?">
          <TextArea
            name="story"
            label="Wat ziet of hoort u?"
            form={form}
            rows={6}
            hint={`In uw eigen woorden, bijvoorbeeld wat u is opgevallen en sinds wanneer. Hoogstens ${STORY_MAX} tekens. Waarom we dit vragen: zo kan de sociaal werker het eerste gesprek goed voorbereiden. Vul dit in, of vink hieronder aan wat u opvalt (of allebei).`}
          />
          <CheckboxGroup
            name="signs"
            label="Wat valt u op?"
            form={form}
            hint="Vink aan wat past. Waarom we dit vragen: het geeft de sociaal werker snel een beeld."
            options={SIGNS.map((s) => ({ value: s, label: SIGN_LABELS[s] }))}
          />
        </Section>

        <div class="signal-section">
          <RadioGroup
            name="personKnows"
            label="Weet de persoon dat u dit doorgeeft?"
            headingLegend
            form={form}
            hint="Waarom we dit vragen: de sociaal werker kan het eerste contact dan beter inleiden."
            options={PERSON_KNOWS.map((k) => ({ value: k, label: PERSON_KNOWS_LABELS[k] }))}
          />
        </div>

        <PrivacySummary self={false} />
        <Button>Signaal versturen</Button>
      </form>
    </Page>
  );
}

function SelfFormPage({ ctx, form, stamp, notice }: { ctx: PageContext; form: FormState; stamp: string; notice?: Notice }) {
  const title = 'Ik voel me eenzaam en wil graag contact';
  return (
    <Page ctx={ctx} title={`${Object.keys(form.errors ?? {}).length ? 'Fout: ' : ''}${title}`} crumbs={[{ href: '/', label: 'Home' }, { label: 'Contact gezocht' }]}>
      <Heading>{title}</Heading>
      <P>
        Fijn dat u dit laat weten. Veel mensen voelen zich soms eenzaam. U hoeft het niet alleen op te lossen. Laat hieronder weten hoe we u
        kunnen bereiken. Iemand van het welzijnswerk bij u in de buurt neemt dan contact met u op, meestal binnen twee werkdagen. Samen kijkt
        u wat bij u past: een praatje, een maatje of een activiteit in de buurt.
      </P>
      <P>
        Is er acuut gevaar? Bel <a class="utrecht-link" href="tel:112">112</a>. Wilt u nu met iemand praten? Bel de Luisterlijn:{' '}
        <a class="utrecht-link" href="tel:0880767000">088 0767 000</a>, dag en nacht.
      </P>
      <FormNotice notice={notice} />
      <ErrorSummary errors={form.errors} labels={SELF_LABELS} />
      <form method="post" action={SELF_PATH} novalidate class="form signal-form">
        <CsrfField token={ctx.csrfToken} />
        <input type="hidden" name={STAMP_FIELD} value={stamp} />
        <Honeypot />

        <Section id="wie" title="1. Wie bent u?">
          <TextField name="name" label="Uw naam" form={form} autocomplete="name" hint="Niet verplicht, maar wel fijn: dan weten we hoe we u mogen aanspreken." />
        </Section>

        <Section id="bereiken" title="2. Hoe kunnen we u bereiken?">
          <P class="signal-note">Vul een telefoonnummer of een e-mailadres in. Allebei mag ook. We gebruiken het alleen om contact met u op te nemen.</P>
          {/* One of the two is required: neither is marked "(optioneel)" (the `filter` flag), the note above says it. */}
          <TextField name="phone" label="Telefoonnummer" type="tel" form={form} autocomplete="tel" width="m" filter />
          <TextField name="email" label="E-mailadres" type="email" form={form} autocomplete="email" filter />
        </Section>

        <Section id="over-wie" title="3. Waar woont u?">
          <AddressFields form={form} action={SELF_PATH} self />
        </Section>

        <Section id="wens" title="4. Wat zou u graag willen?">
          <TextArea
            name="wish"
            label="Wat zou u graag willen?"
            form={form}
            rows={4}
            hint={`Bijvoorbeeld: iemand om mee te praten, samen wandelen, een activiteit in de buurt. Of laat het leeg, dan bespreken we het samen. Hoogstens ${WISH_MAX} tekens.`}
          />
          <RadioGroup
            name="ageGroup"
            label="Hoe oud bent u?"
            form={form}
            hint="Waarom we dit vragen: in sommige gemeenten helpt een ander team ouderen of jongeren."
            options={AGE_GROUPS.filter((a) => a !== 'unknown').map((a) => ({ value: a, label: AGE_GROUP_LABELS[a] }))}
          />
        </Section>

        <PrivacySummary self />
        <Button>Verstuur</Button>
      </form>
    </Page>
  );
}

function ConfirmationPage({ ctx, reference, kind, feedbackRequested }: { ctx: PageContext; reference: string; kind: string; feedbackRequested: boolean }) {
  const self = kind === 'self';
  const title = self ? 'Bedankt, we nemen contact met u op' : 'Bedankt, uw signaal is ontvangen';
  return (
    <Page ctx={ctx} title={title} crumbs={[{ href: '/', label: 'Home' }, { label: 'Ontvangen' }]}>
      <Heading>{title}</Heading>
      <div class="utrecht-alert utrecht-alert--success signal-reference" role="status">
        <p class="utrecht-paragraph">
          Uw referentienummer is <strong class="signal-reference__number">{reference}</strong>
        </p>
        <p class="utrecht-paragraph">Noteer dit nummer als u later een vraag heeft over {self ? 'uw aanvraag' : 'dit signaal'}.</p>
      </div>
      <Heading level={2}>Wat gebeurt er nu?</Heading>
      {self ? (
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">Iemand van het welzijnswerk bij u in de buurt neemt contact met u op, meestal binnen twee werkdagen.</li>
          <li class="utrecht-unordered-list__item">U spreekt samen af wat bij u past. U zit nergens aan vast.</li>
          <li class="utrecht-unordered-list__item">Bent u van gedachten veranderd? Dat is helemaal goed: zeg het gewoon als u gebeld wordt.</li>
        </ul>
      ) : (
        <ul class="utrecht-unordered-list">
          <li class="utrecht-unordered-list__item">
            Een sociaal werker van het signaalpunt in de gemeente van de persoon neemt contact met de persoon op, meestal binnen twee werkdagen.
          </li>
          <li class="utrecht-unordered-list__item">
            {feedbackRequested
              ? 'U krijgt één korte e-mail zodra het signaal is opgepakt.'
              : 'U hoort verder niets van ons, tenzij de sociaal werker u een vraag wil stellen.'}{' '}
            Over de persoon zelf vertellen we nooit iets: dat is vertrouwelijk.
          </li>
          <li class="utrecht-unordered-list__item">Blijft u zich zorgen maken? U mag altijd opnieuw een signaal doorgeven.</li>
        </ul>
      )}
      <UrgentNotice />
      <P>
        <Link href={PRIVACY_PATH}>Wat gebeurt er met de gegevens?</Link> · <Link href="/">Naar de startpagina</Link>
      </P>
    </Page>
  );
}

function PrivacyPage({ ctx, helpdesk }: { ctx: PageContext; helpdesk: string }) {
  const title = 'Privacyverklaring signaalpunt';
  const li = (children: ComponentChildren) => <li class="utrecht-unordered-list__item">{children}</li>;
  return (
    <Page ctx={ctx} title={title} crumbs={[{ href: '/', label: 'Home' }, { href: WORRY_PATH, label: 'Signaal doorgeven' }, { label: 'Privacy' }]}>
      <Heading>{title}</Heading>
      <P>
        Hier leest u wat er gebeurt met de gegevens die u invult op het formulier <Link href={WORRY_PATH}>Zorgen over iemand? Geef het door</Link> of{' '}
        <Link href={SELF_PATH}>Ik voel me eenzaam en wil graag contact</Link>. We houden ons aan de Algemene verordening gegevensbescherming
        (AVG).
      </P>

      <Heading level={2}>Wie is verantwoordelijk?</Heading>
      <P>
        De gemeente waar de persoon woont is verantwoordelijk, samen met de organisatie die in die gemeente het signaalpunt uitvoert (meestal
        de welzijnsorganisatie). Het programma Eén tegen eenzaamheid van het ministerie van VWS beheert dit platform in opdracht van de
        gemeente: het is verwerker en gebruikt de gegevens niet voor iets anders.
      </P>

      <Heading level={2}>Welke gegevens, en waarom?</Heading>
      <ul class="utrecht-unordered-list">
        {li(
          <>
            <strong>Over de persoon:</strong> naam (als u die weet), adres, leeftijdsgroep, wat u zich zorgen maakt en wat u opvalt. Zo kan
            een sociaal werker de persoon vinden en het eerste contact goed voorbereiden. Postcode en huisnummer gebruiken we ook om het juiste
            signaalpunt te kiezen.
          </>,
        )}
        {li(
          <>
            <strong>Over u als melder</strong> (niet verplicht): naam, organisatie, e-mailadres en telefoonnummer. Alleen om u terug te bellen
            met een vraag, of om u te laten weten dat het signaal is opgepakt als u daarom vroeg.
          </>,
        )}
        {li(
          <>
            <strong>Als u zelf contact vraagt:</strong> uw naam, telefoonnummer of e-mailadres, adres en wat u graag zou willen. Alleen om
            contact met u op te nemen.
          </>,
        )}
        {li('We vragen niet meer dan nodig is. Bij elk veld op het formulier staat waarom we het vragen.')}
      </ul>

      <Heading level={2}>Wie kan de gegevens zien?</Heading>
      <ul class="utrecht-unordered-list">
        {li('Alleen de medewerkers van het signaalpunt dat het signaal behandelt. Elke keer dat iemand de gegevens bekijkt, wordt vastgelegd.')}
        {li('De gemeente en het programmateam zien alleen anonieme aantallen, zoals het aantal signalen per maand. Kleine aantallen (minder dan 5) tonen we niet.')}
        {li('Kan een signaal niet automatisch naar een signaalpunt, dan zet het programmateam het door naar het juiste signaalpunt. Het ziet daarbij alleen de vier cijfers van de postcode: geen naam, adres of verhaal.')}
      </ul>

      <Heading level={2}>Hoe beveiligen we de gegevens?</Heading>
      <P>
        Namen, adressen, contactgegevens en het verhaal worden versleuteld opgeslagen. Wie alleen de database in handen krijgt, kan ze niet
        lezen. De verbinding met deze website is beveiligd.
      </P>

      <Heading level={2}>Hoe lang bewaren we de gegevens?</Heading>
      <P>
        Zes maanden nadat het signaalpunt het contact heeft afgerond, worden de persoonsgegevens automatisch verwijderd (een gemeente kan een
        andere termijn afspreken). Daarna bewaren we alleen anonieme cijfers, zoals het aantal signalen en hoe snel er contact was. Daarin is
        niemand te herkennen.
      </P>

      <Heading level={2}>Weet de persoon ervan?</Heading>
      <P>
        Meestal weet de persoon niet dat er een signaal over hem of haar is doorgegeven. De sociaal werker kan bij het contact vertellen dat
        iemand zich zorgen maakte. Uw naam noemen we niet zonder uw toestemming. De persoon kan zelf altijd zeggen geen contact te willen.
      </P>

      <Heading level={2}>Uw rechten</Heading>
      <P>
        U heeft het recht om te vragen welke gegevens er over u zijn opgeslagen (inzage), om onjuiste gegevens te laten verbeteren (correctie)
        en om uw gegevens te laten verwijderen (verwijdering). Dat geldt voor de persoon over wie een signaal gaat én voor de melder. Stuur
        daarvoor een e-mail naar <Link href={`mailto:${helpdesk}`}>{helpdesk}</Link>. Vermeld het referentienummer als u dat heeft. We
        antwoorden binnen een maand.
      </P>
      <P>
        Bent u het niet eens met hoe we met uw gegevens omgaan? Dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens
        (autoriteitpersoonsgegevens.nl).
      </P>
      <P>
        <Link href={WORRY_PATH}>Terug naar het formulier</Link>
      </P>
    </Page>
  );
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/**
 * The request hash of a form submit: a keyed HMAC (the cipher's blind-index key) of the validated,
 * normalised input, so that it cannot be brute-forced back to an address without the key.
 */
function formRequestHash(cipher: FieldCipher, form: StampedForm, input: SignalInput): string {
  return cipher.blindIndex(`signal-form:${form}:${JSON.stringify(input)}`);
}

/** True when the postcode table knows the postcode (then PDOK is not needed for routing). */
async function postcodeKnown(db: Db, postcode: string): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(postcodeAreas).where(eq(postcodeAreas.postcode, postcode)).limit(1);
  return rows.length > 0;
}

export async function intakeFormRoutes(app: FastifyInstance) {
  const { config, cipher } = app.ctx;
  const db = app.ctx.database.db;
  const secret = config.sessionSecret;
  const submitCounter = new RateCounter(3600_000);
  const lookupCounter = new RateCounter(3600_000);
  const pdokOptions = (req: FastifyRequest) => ({
    baseUrl: config.pdokLocatieserverUrl,
    onFailure: (reason: string) => req.log.warn({ pdok: reason }, 'PDOK address look-up gave no answer'),
  });

  const render = (reply: FastifyReply, form: StampedForm, state: FormState, stamp: string, status = 200, notice?: Notice) =>
    reply.page({ title: form === 'worry' ? 'Zorgen over iemand? Geef het door' : 'Ik voel me eenzaam en wil graag contact', status }, (ctx) =>
      form === 'worry' ? <WorryFormPage ctx={ctx} form={state} stamp={stamp} notice={notice} /> : <SelfFormPage ctx={ctx} form={state} stamp={stamp} notice={notice} />,
    );

  async function handlePost(req: FastifyRequest, reply: FastifyReply, form: StampedForm) {
    const now = new Date();
    const values = formValues(req.body);
    const lookup = values.actie === 'adres';
    delete values.actie;
    const stamp = () => carryStamp(secret, form, values[STAMP_FIELD], now);
    const again = (status: number, notice?: Notice, errors: FieldErrors = {}) => {
      const kept = { ...values };
      delete kept[HONEYPOT_FIELD];
      return render(reply, form, { values: kept, errors }, stamp(), status, notice);
    };

    // Rate limits per IP address: signals, and (more generously) address look-ups.
    const perHour = config.signalFormRateLimitPerHour;
    const limit = lookup ? lookupCounter.hit(`${form}:${req.ip}`, perHour * 3) : submitCounter.hit(`${form}:${req.ip}`, perHour);
    if (!limit.ok) {
      logRefusal(req, 'rate_limit');
      reply.header('retry-after', String(limit.retryAfterSeconds));
      const minutes = Math.max(1, Math.ceil(limit.retryAfterSeconds / 60));
      return again(429, {
        kind: 'error',
        text: `Vanaf dit internetadres is het afgelopen uur heel vaak een formulier verstuurd. Daarom is uw formulier nu NIET verstuurd. Probeer het over ${minutes} ${minutes === 1 ? 'minuut' : 'minuten'} opnieuw. Bij acuut gevaar: bel 112.`,
      });
    }

    if (lookup) return addressLookup(req, reply, form, values, stamp());

    if (honeypotHit(values)) {
      logRefusal(req, 'honeypot');
      return again(422, { kind: 'error', text: 'Het formulier kon niet worden verwerkt. Controleer de gegevens en verstuur het formulier opnieuw.' });
    }
    const check = checkStamp(secret, form, values[STAMP_FIELD], now);
    if (!check.ok) {
      logRefusal(req, `stamp_${check.reason}`);
      return again(422, {
        kind: 'warning',
        text: 'Uw formulier is nog NIET verstuurd. Wilt u de gegevens nog even nakijken en dan opnieuw op de knop onderaan klikken?',
      });
    }

    const parsed = form === 'worry' ? parseWorryForm(values) : parseSelfForm(values);
    if (!parsed.ok) return again(422, undefined, parsed.errors);

    try {
      const input: SignalInput = parsed.input;
      // Hashed before PDOK fills in street and town: a retry must hash the same whatever PDOK answers.
      const requestHash = formRequestHash(cipher, form, input);
      // The postcode table routes almost every address; only for a postcode it does not know,
      // ask PDOK for the municipality (and fill in street and town when they were left empty).
      let pdok: { municipalityCode: string; neighbourhoodCode: string | null } | null = null;
      if (config.pdokLocatieserverUrl && !(await postcodeKnown(db, input.person.postcode))) {
        const found = await lookupAddress(input.person.postcode, input.person.houseNumber, input.person.houseNumberAddition, pdokOptions(req));
        if (found) {
          if (found.municipalityCode) pdok = { municipalityCode: found.municipalityCode, neighbourhoodCode: found.neighbourhoodCode };
          input.person.street ??= found.street;
          input.person.city ??= found.city;
        }
      }
      const store = (idempotencyKey: string): Promise<IntakeResult> =>
        receiveSignal(db, cipher, input, {
          channel: 'form',
          idempotencyKey,
          requestHash,
          pdok,
          now,
          audit: req.auditCtx(),
          jobs: app.ctx.jobs,
          helpdeskEmail: config.helpdeskEmail,
          baseUrl: config.baseUrl,
        });
      let result: IntakeResult;
      try {
        result = await store(check.token);
      } catch (err) {
        if (!(err instanceof IdempotencyConflictError)) throw err;
        // This rendered form was stored before with other content: what was sent now is a new
        // signal. Its key is derived from the token and the content, so sending the corrected form
        // twice still stores it once.
        result = await store(`${check.token}.${requestHash}`);
      }
      return reply.redirect(`${CONFIRMATION_PATH}/${result.reference}`, 303);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      req.log.error({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'signal not stored: database unavailable');
      reply.header('retry-after', '60');
      return again(503, {
        kind: 'error',
        text: `Uw ${form === 'worry' ? 'signaal' : 'aanvraag'} is nog NIET verstuurd: de verbinding met de database is tijdelijk weg. Probeer het over een paar minuten opnieuw. Alles wat u heeft ingevuld staat hieronder nog klaar.`,
      });
    }
  }

  /** "Adres opzoeken": fill in street and town from PDOK; every typed value is kept. */
  async function addressLookup(req: FastifyRequest, reply: FastifyReply, form: StampedForm, values: Record<string, unknown>, stamp: string) {
    const kept = { ...values };
    delete kept[HONEYPOT_FIELD];
    const parsed = parseForm(addressLookupSchema, values);
    if (!parsed.ok) {
      return render(reply, form, { values: kept, errors: parsed.errors }, stamp, 422, {
        kind: 'warning',
        text: 'Vul eerst een geldige postcode en een huisnummer in; dan kunnen we het adres opzoeken.',
      });
    }
    const { postcode, houseNumber, houseNumberAddition } = parsed.data;
    const found: AddressLookup | null = await lookupAddress(postcode, houseNumber, houseNumberAddition, pdokOptions(req));
    if (found && (found.street || found.city)) {
      if (found.street) kept.street = found.street;
      if (found.city) kept.city = found.city;
      const where = [found.street ? `${found.street} ${houseNumber}${houseNumberAddition ? ` ${houseNumberAddition}` : ''}` : null, found.city].filter(Boolean).join(', ');
      return render(reply, form, { values: kept, errors: {} }, stamp, 200, {
        kind: 'success',
        text: `Adres gevonden: ${where}. Klopt het niet? Pas het dan hieronder aan.`,
      });
    }
    return render(reply, form, { values: kept, errors: {} }, stamp, 200, {
      kind: 'info',
      text: 'We konden het adres nu niet automatisch opzoeken. Vul de straat en woonplaats zelf in, of laat ze leeg: met de postcode en het huisnummer komt het signaal ook goed aan.',
    });
  }

  /**
   * Options of the two public form POSTs: the body limit; the genuine signed stamp of this form
   * (also an expired or too fresh one: the handler re-shows the form with everything kept) as
   * anti-forgery proof instead of the CSRF cookie (see app.ts); and a body over the limit answered
   * with the form page and a clear message, not an error page. Other errors go to the app's handler.
   */
  const postOptions = (form: StampedForm) => ({
    bodyLimit: FORM_BODY_LIMIT,
    config: {
      csrfAlternative: (req: FastifyRequest) => {
        const c = checkStamp(secret, form, formValues(req.body)[STAMP_FIELD], new Date());
        return c.ok || c.reason === 'too_fast' || c.reason === 'expired';
      },
    },
    errorHandler: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      if (err.statusCode !== 413) throw err;
      logRefusal(req, 'body_too_large');
      return render(reply, form, { values: {}, errors: {} }, issueStamp(secret, form, new Date()), 413, {
        kind: 'error',
        text: `Uw ${form === 'worry' ? 'signaal' : 'aanvraag'} is NIET verstuurd. Uw bericht was te lang; het kon niet worden verwerkt. Maak de toelichting korter. Wat u had ingevuld, konden we daardoor niet bewaren: vul het formulier hieronder opnieuw in.`,
      });
    },
  });

  app.get(WORRY_PATH, async (_req, reply) => render(reply, 'worry', { values: {}, errors: {} }, issueStamp(secret, 'worry', new Date())));
  app.post(WORRY_PATH, postOptions('worry'), async (req, reply) => handlePost(req, reply, 'worry'));
  app.get(SELF_PATH, async (_req, reply) => render(reply, 'self', { values: {}, errors: {} }, issueStamp(secret, 'self', new Date())));
  app.post(SELF_PATH, postOptions('self'), async (req, reply) => handlePost(req, reply, 'self'));

  app.get(`${CONFIRMATION_PATH}/:reference`, async (req, reply) => {
    const { reference } = req.params as { reference: string };
    if (!REFERENCE_RE.test(reference)) throw new NotFoundError();
    // Nothing about the person or the signaller: only the kind and whether feedback was asked.
    const [row] = await db.select({ kind: signals.kind, feedbackRequested: signals.feedbackRequested }).from(signals).where(eq(signals.reference, reference)).limit(1);
    if (!row) throw new NotFoundError();
    return reply.page({ title: row.kind === 'self' ? 'Bedankt, we nemen contact met u op' : 'Bedankt, uw signaal is ontvangen' }, (ctx) => (
      <ConfirmationPage ctx={ctx} reference={reference} kind={row.kind} feedbackRequested={row.feedbackRequested} />
    ));
  });

  app.get(PRIVACY_PATH, async (_req, reply) => reply.page({ title: 'Privacyverklaring signaalpunt' }, (ctx) => <PrivacyPage ctx={ctx} helpdesk={config.helpdeskEmail} />));
}
