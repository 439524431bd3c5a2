import type { ComponentChildren } from 'preact';

/** Said plainly when the server has no route for a feature yet; never replaced by made-up data. */
export function NotLanded({ feature, route, children }: { readonly feature: string; readonly route: string; readonly children?: ComponentChildren }) {
  return (
    <div class="banner banner-warn not-landed" role="status" data-feature={feature}>
      <strong>{feature} has not landed on this server yet.</strong>{' '}
      <span>
        It answers <code>404</code> for <code>{route}</code>. {children}
      </span>
    </div>
  );
}

/** A failed load that is not a missing route. */
export function LoadError({ what, error, onRetry }: { readonly what: string; readonly error: Error; readonly onRetry?: () => void }) {
  return (
    <div class="banner banner-bad" role="alert">
      Could not load {what}: {error.message}
      {onRetry && <> <button type="button" class="btn btn-small" onClick={onRetry}>Retry</button></>}
    </div>
  );
}
