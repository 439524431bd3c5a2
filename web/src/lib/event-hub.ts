/** Fan-out of values to listeners; the stream hands every event to one of these so pages can follow it. */
export interface EventHub<T> {
  emit(value: T): void;
  subscribe(listener: (value: T) => void): () => void;
}

export function eventHub<T>(): EventHub<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    emit(value) {
      for (const l of listeners) l(value);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
