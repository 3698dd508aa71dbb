// The hash router's reactive state: the current route, and navigation.
import { parseHash, href, type Route } from './routes.ts';

export { href, type Route };

class Router {
  route = $state<Route>(parseHash(location.hash));
  /** A one-shot notice for the next page (e.g. "session expired"). */
  notice = $state('');

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(location.hash);
    });
  }

  go(route: Route, notice = ''): void {
    this.notice = notice;
    const next = href(route);
    // Synchronously, so guards reading the route right after see where we are going.
    this.route = parseHash(next);
    if (location.hash !== next) location.hash = next;
  }
}

export const router = new Router();
