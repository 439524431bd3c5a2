/** The part of `sessionStorage` used here. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const TOKEN_KEY = 'twinflow.token';

export interface CapturedToken {
  readonly token?: string;
  /** The query string without `token`, to put back in the address bar so the token is not bookmarked or shared. */
  readonly search: string;
  readonly changed: boolean;
}

/**
 * Takes `?token=` from the page URL into session storage (for this tab only) and returns the URL without it;
 * without one in the URL, the stored token (if any) is used.
 */
export function captureToken(search: string, storage: TokenStorage): CapturedToken {
  const params = new URLSearchParams(search);
  const fromUrl = params.get('token');
  if (fromUrl === null) return { token: storage.getItem(TOKEN_KEY) || undefined, search, changed: false };
  params.delete('token');
  if (fromUrl) storage.setItem(TOKEN_KEY, fromUrl);
  const rest = params.toString();
  return { token: fromUrl || storage.getItem(TOKEN_KEY) || undefined, search: rest ? `?${rest}` : '', changed: true };
}
