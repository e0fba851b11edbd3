/**
 * A small cookie-keeping HTTP client for a server running in another process (fetch, no
 * browser): fills in the CSRF token of the last HTML page on every POST.
 */
export class HttpSession {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(readonly baseUrl: string) {}

  private remember(res: Response, body: string) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim();
      const v = pair.slice(i + 1).trim();
      if (v === '' || attrs.some((a) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (m) this.csrf = m[1];
  }

  private headers(extra: Record<string, string> = {}) {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...extra };
  }

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(this.baseUrl + path, { headers: this.headers(headers), redirect: 'manual' });
    const body = await res.text();
    this.remember(res, body);
    return { status: res.status, headers: res.headers, body };
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    if (this.csrf === null) await this.get('/inloggen');
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...headers }),
      body: new URLSearchParams({ ...form, _csrf: this.csrf ?? '' }).toString(),
      redirect: 'manual',
    });
    const body = await res.text();
    this.remember(res, body);
    return { status: res.status, headers: res.headers, body };
  }

  async login(email: string, password: string) {
    await this.get('/inloggen');
    const res = await this.post('/inloggen', { email, password });
    if (res.status !== 303) throw new Error(`login of ${email} failed: ${res.status}`);
    return res;
  }
}
