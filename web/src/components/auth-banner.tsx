import { useState } from 'preact/hooks';
import { useServices } from '../app-context.ts';
import { useObservable } from '../hooks/use-observable.ts';

/** Shown after a 401: the server wants a token. It is kept for this tab only (sessionStorage). */
export function AuthBanner() {
  const { authRequired, applyToken } = useServices();
  const needed = useObservable(authRequired);
  const [token, setToken] = useState('');
  if (!needed) return null;
  return (
    <div class="banner banner-warn" role="alert">
      <form
        class="auth-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) applyToken(token.trim());
        }}
      >
        <label for="auth-token">This server needs an access token. Paste one, or open the dashboard with <code>?token=…</code>.</label>
        <div class="auth-row">
          <input id="auth-token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          <button type="submit">Use token</button>
        </div>
      </form>
    </div>
  );
}
