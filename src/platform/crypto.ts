import crypto from 'node:crypto';

/** A random URL-safe token (256 bits). */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/**
 * AES-256-GCM field encryption for personal data (DESIGN §7). The output is
 * "v1.<keyId>.<iv>.<tag>.<ciphertext>" (base64url); keyId is the first 8 hex chars of the
 * key's SHA-256, so old keys (ENCRYPTION_KEYS_OLD) can still decrypt during a rotation.
 */
export class FieldCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(current: Buffer, old: Buffer[] = []) {
    if (current.length !== 32) throw new Error('encryption key must be 32 bytes');
    this.currentId = FieldCipher.keyId(current);
    this.keys.set(this.currentId, current);
    for (const k of old) this.keys.set(FieldCipher.keyId(k), k);
  }

  static keyId(key: Buffer): string {
    return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(payload: string): string {
    const [v, keyId, iv, tag, ct] = payload.split('.');
    if (v !== 'v1' || !keyId || !iv || !tag || ct === undefined) throw new Error('not an encrypted value');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no key ${keyId} configured to decrypt this value`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /**
   * A keyed hash (HMAC-SHA256 with a key derived from the current encryption key) for
   * finding equal values without decrypting, e.g. signals for the same address. It changes
   * with the key: a key rotation recomputes it (see signals/rotation.ts).
   */
  blindIndex(value: string): string {
    if (!this.indexKey) {
      this.indexKey = Buffer.from(crypto.hkdfSync('sha256', this.keys.get(this.currentId)!, Buffer.alloc(0), 'ete-blind-index-v1', 32));
    }
    return crypto.createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url');
  }
  private indexKey: Buffer | null = null;

  /** The id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.currentId;
  }

  /** True when the value was encrypted with an old key and should be re-encrypted. */
  needsRotation(payload: string): boolean {
    return payload.split('.')[1] !== this.currentId;
  }
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}
