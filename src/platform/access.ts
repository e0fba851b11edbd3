/**
 * The one authorisation function of the platform: every route and API endpoint asks
 * `can(principal, action, resource)`. Roles and scopes follow DESIGN §6.
 */

export const ROLES = [
  'programme_admin',
  'advisor',
  'municipality_coordinator',
  'signal_coordinator',
  'signal_handler',
  'visitor',
  'partner',
  'provider',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  programme_admin: 'Programmateam (beheerder)',
  advisor: 'Adviseur',
  municipality_coordinator: 'Gemeentelijk coördinator / kartrekker',
  signal_coordinator: 'Coördinator signaalpunt',
  signal_handler: 'Medewerker signaalpunt',
  visitor: 'Vrijwilliger huisbezoeken',
  partner: 'Partner Nationale Coalitie',
  provider: 'Lokale aanbieder',
};

/** Which scope a role needs: none (national), a municipality or an organisation. */
export const ROLE_SCOPE: Record<Role, 'none' | 'municipality' | 'organisation'> = {
  programme_admin: 'none',
  advisor: 'municipality',
  municipality_coordinator: 'municipality',
  signal_coordinator: 'organisation',
  signal_handler: 'organisation',
  visitor: 'organisation',
  partner: 'organisation',
  provider: 'organisation',
};

export interface RoleGrant {
  role: Role;
  municipalityId?: number | null;
  organisationId?: number | null;
}

export interface Principal {
  kind: 'user' | 'api_key';
  id: number;
  label: string;
  email?: string;
  roles: RoleGrant[];
  /** Municipalities in scope, joint approaches expanded (see registry.expandMunicipalityScope): union over all roles, for list filters. */
  municipalityIds: number[];
  organisationIds: number[];
  /**
   * The scope of each role separately, so a user with two grants (say coordinator of A and
   * advisor of B) gets each role's rights only in that role's scope. Set by loadUserPrincipal;
   * when absent it is derived from `roles` (see roleScope).
   */
  scopes?: Partial<Record<Role, { municipalityIds: number[]; organisationIds: number[] }>>;
  /** For API keys: the named actions the key may perform. */
  apiActions?: ApiAction[];
}

export const API_ACTIONS = ['registry:read', 'benchmark:read', 'signals:submit', 'signals:handle'] as const;
export type ApiAction = (typeof API_ACTIONS)[number];
export const API_ACTION_LABELS: Record<ApiAction, string> = {
  'registry:read': 'Register lezen (provincies, gemeenten, deelnames, organisaties, wijken en buurten, lokale coalities en de Nationale Coalitie)',
  'benchmark:read': 'Benchmark lezen (edities, vragenlijsten en geaggregeerde resultaten van gepubliceerde edities)',
  'signals:submit': 'Signalen doorgeven (partner-app, bijvoorbeeld van bezorgers) en de status van eigen doorgegeven signalen opvragen',
  'signals:handle': 'Signalen van de eigen organisatie (als signaalpunt) lezen, inclusief persoonsgegevens; elke inzage wordt gelogd',
};

export type Action =
  | 'municipality:list'
  | 'municipality:read'
  | 'municipality:create'
  | 'municipality:update'
  | 'municipality:delete'
  | 'municipality:import'
  | 'participation:list'
  | 'participation:read'
  | 'participation:create'
  | 'participation:update'
  | 'participation:delete'
  | 'neighbourhood:list'
  | 'neighbourhood:read'
  | 'neighbourhood:create'
  | 'neighbourhood:update'
  | 'neighbourhood:delete'
  | 'neighbourhood:import'
  | 'organisation:list'
  | 'organisation:read'
  | 'organisation:create'
  | 'organisation:update'
  | 'organisation:delete'
  | 'organisation:import'
  | 'registry:export'
  | 'user:manage'
  | 'audit:read'
  | 'outbox:read'
  | 'apikey:manage'
  /** Benchmark: editions, questionnaires, invitations, monitor, imports, raw answers (programme team). */
  | 'benchmark:manage'
  /** Benchmark: the national results with filters, panel and comparisons (programme team). */
  | 'benchmark:results'
  /** Benchmark: published national aggregates and the national report. */
  | 'benchmark:report'
  /** Benchmark: one municipality's own results next to the aggregates (resource: the municipality). */
  | 'benchmark:municipality'
  /** Signals: pass on a signal through the partner API (API keys with signals:submit). */
  | 'signal:submit'
  /**
   * Signals: see and handle the signals of a handling organisation, persons included
   * (resource: the organisation). Need-to-know: only that organisation's signal staff,
   * never the programme team or the municipality.
   */
  | 'signal:handle'
  /** Signals: assign to colleagues, receive the digest (resource: the organisation; signal coordinators). */
  | 'signal:coordinate'
  /** Signals: configure the signal points and routing of a municipality (resource: the municipality). */
  | 'signal:configure'
  /** Signals: the programme's unrouted queue and manual routing (programme team; sees postcode, never the person). */
  | 'signal:route'
  /** Signals: statistics without persons (resource: a municipality, or an organisation for its signal coordinator). */
  | 'signal:stats'
  /** Signals: a data subject's rights request: export or erase one person's data (programme team). */
  | 'signal:privacy'
  /** Postcode table: manual corrections (resource: the municipality) and imports (programme team). */
  | 'postcode:manage'
  | 'postcode:import'
  /** Network: a local coalition, its stage history and members (resource: the municipality). */
  | 'coalition:read'
  | 'coalition:update'
  /** Network: the overview of all coalitions (programme team; others see their own scope). */
  | 'coalition:list'
  /** National Coalition: the member list (every role) and its upkeep (programme team). */
  | 'national:read'
  | 'national:manage'
  /** National Coalition: a member's own profile, pledged actions and branches (resource: the organisation). */
  | 'national:update'
  /** Advisory hours, budget and phase of a municipality (resource: the municipality). */
  | 'advisory:read'
  /** Budgets, phases, account managers and advisor assignments (programme team). */
  | 'advisory:manage'
  /** CRM: contact moments and their tasks of a municipality (resource: the municipality; none = national contacts). */
  | 'contact:read'
  | 'contact:log'
  /** CRM: "my tasks" (advisors and the programme team). */
  | 'task:own'
  /** Collaborations and pilots: reading (network roles) and upkeep (programme team). */
  | 'collaboration:read'
  | 'collaboration:manage'
  /** Demand-and-offer board: browse and react (every logged-in user with a role), post, moderate. */
  | 'board:read'
  | 'board:post'
  | 'board:moderate'
  /** Programme figures at a date, with export (programme team). */
  | 'network:figures'
  /** Imports of National Coalition and coalition members; merging organisations (programme team). */
  | 'network:import'
  | 'organisation:merge'
  /** Network and board: a data subject's rights request about contact persons and users: export or erase (programme team). */
  | 'network:privacy';

/** The scope of the record acted on. Omit for list/create-level checks. */
export interface Resource {
  municipalityId?: number | null;
  organisationId?: number | null;
}

const has = (p: Principal, role: Role) => p.roles.some((g) => g.role === role);

/** The municipalities and organisations in scope of one of the principal's roles. */
export function roleScope(p: Principal, role: Role): { municipalityIds: number[]; organisationIds: number[] } {
  const given = p.scopes?.[role];
  if (given) return given;
  const grants = p.roles.filter((g) => g.role === role);
  if (grants.length && grants.length === p.roles.length) return { municipalityIds: p.municipalityIds, organisationIds: p.organisationIds };
  return {
    municipalityIds: grants.map((g) => g.municipalityId).filter((x): x is number => x != null),
    organisationIds: grants.map((g) => g.organisationId).filter((x): x is number => x != null),
  };
}

/** True when `p` has `role` and the resource lies in that role's scope (a missing id counts as "any"). */
function inRole(p: Principal, role: Role, r: Resource | undefined, need: 'municipality' | 'organisation' | 'none' = 'none'): boolean {
  if (!has(p, role)) return false;
  const scope = roleScope(p, role);
  if (need === 'municipality' && r?.municipalityId == null) return false;
  if (need === 'organisation' && r?.organisationId == null) return false;
  if (r?.municipalityId != null && ROLE_SCOPE[role] === 'municipality' && !scope.municipalityIds.includes(r.municipalityId)) return false;
  if (need === 'organisation' && !scope.organisationIds.includes(r!.organisationId!)) return false;
  return true;
}

/**
 * Decides whether `p` may perform `action` on `resource`. For list actions, a true answer
 * means "may list within their scope": callers filter rows with `scopeOf`.
 */
export function can(p: Principal | null | undefined, action: Action, resource?: Resource): boolean {
  if (!p) return false;
  if (p.kind === 'api_key') {
    if (action === 'benchmark:report') return !!p.apiActions?.includes('benchmark:read');
    if (action === 'signal:submit') return !!p.apiActions?.includes('signals:submit');
    if (action === 'signal:handle') return !!p.apiActions?.includes('signals:handle') && resource?.organisationId != null && p.organisationIds.includes(resource.organisationId);
    const read = p.apiActions?.includes('registry:read');
    return (
      !!read &&
      [
        'municipality:list',
        'municipality:read',
        'participation:list',
        'participation:read',
        'organisation:list',
        'organisation:read',
        'neighbourhood:list',
        'neighbourhood:read',
        // Issue 5: local coalitions (stage, members) and the National Coalition; reads only.
        'coalition:list',
        'coalition:read',
        'national:read',
      ].includes(
        action,
      )
    );
  }
  // Need-to-know (DESIGN §6): a signal's person is for the handling organisation's staff
  // only, so not even the programme team may handle signals unless it holds that role.
  if (action === 'signal:handle' || action === 'signal:coordinate') {
    return inRole(p, 'signal_coordinator', resource, 'organisation') || (action === 'signal:handle' && inRole(p, 'signal_handler', resource, 'organisation'));
  }
  if (action === 'signal:submit') return false;
  if (has(p, 'programme_admin')) return true;

  const [entity, verb] = action.split(':') as [string, string];
  const coordinator = (need: 'municipality' | 'none' = 'none') => inRole(p, 'municipality_coordinator', resource, need);
  const advisor = (need: 'municipality' | 'none' = 'none') => inRole(p, 'advisor', resource, need);
  const orgRole = (role: Role) => inRole(p, role, resource, 'organisation');

  switch (entity) {
    case 'municipality':
    case 'participation':
      if (verb === 'list' || verb === 'read') return coordinator() || advisor();
      // Coordinators keep their own participation and municipality record up to date,
      // but only the programme team registers, removes or imports municipalities.
      if (verb === 'update') return coordinator('municipality');
      return false;
    case 'neighbourhood':
      if (verb === 'list' || verb === 'read') return coordinator() || advisor();
      return coordinator(verb === 'import' || verb === 'create' ? 'none' : 'municipality');
    case 'organisation': {
      // Signal staff and visitors have no business in the organisation register.
      if (verb === 'list') return has(p, 'municipality_coordinator') || has(p, 'advisor') || has(p, 'partner') || has(p, 'provider');
      if (verb === 'read') {
        return (
          coordinator('municipality') ||
          advisor('municipality') ||
          p.roles.some((g) => ROLE_SCOPE[g.role] === 'organisation' && orgRole(g.role))
        );
      }
      // Without a resource: "may create at all". With one: only in their own municipalities;
      // national organisations (municipalityId null) are for the programme team.
      if (verb === 'create' || verb === 'import') return resource === undefined ? has(p, 'municipality_coordinator') : coordinator('municipality');
      if (verb === 'update') return coordinator('municipality') || orgRole('partner') || orgRole('provider');
      if (verb === 'delete') return coordinator('municipality');
      return false;
    }
    case 'registry':
      return has(p, 'municipality_coordinator') || has(p, 'advisor'); // export within their own scope
    case 'benchmark':
      // Never another municipality's answers: coordinators and advisors see their own
      // municipalities' results and the published national aggregates.
      if (verb === 'municipality') return coordinator('municipality') || advisor('municipality');
      if (verb === 'report') return has(p, 'municipality_coordinator') || has(p, 'advisor');
      return false; // manage, results: programme team only
    case 'signal':
      if (verb === 'configure') return coordinator('municipality');
      if (verb === 'stats') {
        // Without a resource: "may see signal statistics at all" (menu, lists).
        if (resource === undefined) return has(p, 'municipality_coordinator') || has(p, 'advisor') || has(p, 'signal_coordinator');
        if (resource.organisationId != null) return inRole(p, 'signal_coordinator', resource, 'organisation');
        return coordinator('municipality') || advisor('municipality');
      }
      return false; // route, privacy: programme team only
    case 'postcode':
      if (verb === 'manage') return coordinator('municipality');
      return false;
    case 'coalition':
      // Coordinators keep their own coalition; advisors help their assigned municipalities with it.
      if (verb === 'read' || verb === 'update') return coordinator('municipality') || advisor('municipality');
      if (verb === 'list') return has(p, 'municipality_coordinator') || has(p, 'advisor');
      return false;
    case 'national':
      if (verb === 'read') return p.roles.length > 0;
      if (verb === 'update') return orgRole('partner');
      return false; // manage: programme team
    case 'advisory':
      if (verb === 'read') {
        // Without a resource: "may see advisory hours at all" (the overview lists the own municipalities).
        if (resource === undefined) return has(p, 'advisor') || has(p, 'municipality_coordinator');
        return advisor('municipality') || coordinator('municipality');
      }
      return false; // manage: programme team
    case 'contact':
      // The CRM is the programme's own record: advisors for their assigned municipalities.
      // Without a resource: "may use the CRM at all" (lists filter on scope); national contacts
      // ({ municipalityId: null }) are for the programme team.
      if (resource === undefined) return has(p, 'advisor');
      return advisor('municipality');
    case 'task':
      return has(p, 'advisor');
    case 'collaboration':
      if (verb === 'read') return has(p, 'advisor') || has(p, 'municipality_coordinator') || has(p, 'partner');
      return false;
    case 'board':
      if (verb === 'read') return p.roles.length > 0;
      // Posting on behalf of an organisation (resource: organisation) or of a coalition (resource: municipality).
      if (verb === 'post') {
        if (resource === undefined) return has(p, 'partner') || has(p, 'provider') || has(p, 'municipality_coordinator');
        if (resource.organisationId != null) return orgRole('partner') || orgRole('provider');
        return coordinator('municipality');
      }
      return false; // moderate: programme team
    default:
      return false; // user, audit, outbox, apikey: programme team only
  }
}

/**
 * What a principal may see in lists: 'all', or the municipality / organisation ids in scope.
 * Programme admins and API keys with registry:read see everything in the registry.
 */
export function scopeOf(p: Principal): { all: true } | { all: false; municipalityIds: number[]; organisationIds: number[] } {
  if (p.kind === 'api_key' || has(p, 'programme_admin')) return { all: true };
  return { all: false, municipalityIds: p.municipalityIds, organisationIds: p.organisationIds };
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}
