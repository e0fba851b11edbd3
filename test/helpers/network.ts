import { sql } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/index.js';

/**
 * Test fixtures insert organisations with parent_organisation_id set directly. The app writes
 * that column only together with a dated branch_links row (branches-service.ts); this gives every
 * such fixture organisation its open link from `linkedOn`, so the fixtures hold the same invariant.
 */
export async function linkFixtureBranches(db: Db, linkedOn = '2018-01-01'): Promise<void> {
  await db.execute(sql`
    insert into branch_links (organisation_id, parent_organisation_id, linked_on)
    select o.id, o.parent_organisation_id, ${linkedOn}::date from organisations o
     where o.parent_organisation_id is not null
       and not exists (select 1 from branch_links bl where bl.organisation_id = o.id and bl.unlinked_on is null and bl.deleted_at is null)`);
}
