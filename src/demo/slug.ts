/** A lower-case ASCII slug for demo e-mail addresses and websites ("Súdwest-Fryslân" -> "sudwest-fryslan"). */
export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
