/** The webview side of the typed message channel. */
declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const api = acquireVsCodeApi();

export function createChannel<Out, In>(onMessage: (message: In) => void): { post(message: Out): void } {
  window.addEventListener('message', (event: MessageEvent<In>) => onMessage(event.data));
  return { post: (message: Out) => api.postMessage(message) };
}

export const webviewState = {
  get<T>(): T | undefined {
    return api.getState() as T | undefined;
  },
  set<T>(state: T): void {
    api.setState(state);
  },
};
