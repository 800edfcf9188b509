/**
 * Upstream connection strings hold passwords: they are parsed in one place,
 * and never printed as given. A password with a character URLs reserve
 * (`/`, `@`, `:`, `?`, `#`, `%`) must be percent-encoded; when it is not, the
 * URL does not parse (or parses as something else), and the error says how
 * to fix it without repeating the string.
 */

/** The parsed upstream URL; the error names the option, never the value. */
export function parseUpstreamUrl(option: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `${option} is not a valid URL (not shown: it may hold a password). ` +
        'Write it as scheme://user:password@host:port/database, with any / @ : ? # or % in the user or password percent-encoded (/ as %2F, @ as %40).',
    );
  }
  if (url.hostname === '') {
    throw new Error(`${option} has no host (not shown: it may hold a password); a / in the password must be written %2F.`);
  }
  return url;
}

/** The URL with its password replaced by ***, for banners and logs. */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '(an unparseable URL, not shown)';
  }
  if (url.password !== '') url.password = '***';
  return url.toString();
}
