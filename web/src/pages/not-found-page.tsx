import { useEffect } from 'preact/hooks';

export function NotFoundPage({ path }: { readonly path: string }) {
  useEffect(() => {
    document.title = 'Not found · twinflow';
  }, []);
  return (
    <div class="empty">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no page at <code>{path}</code>.</p>
      <p><a href="#/">Go to the overview</a></p>
    </div>
  );
}
